"""Which runs a study trains, and where each variant's results live.

A run's identity and directory are `identity.RunRecord.planned`: results/runs/{agent}/{settings
digest}/seed{seed}. The digest makes equal runs one run: a variant that changes only NAS
settings reuses the fixed agents' runs of every other variant, and config/seeds10.yaml reuses
the three seeds the paper protocol already trained (change a setting and only the runs it
changes are new). A plain study writes its tables, figures and report under results/; a study
with `variants` (a sensitivity study) gives every variant its own results root,
results/variants/{variant}/, and writes the claims x variants matrix. Plain Python: the workflow
builds its plan from this module without numpy or torch.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from nasdqn.settings.identity import RESULTS, RunRecord, canonical_json, digest, run_dir
from nasdqn.settings.resolve import resolved_agent_config
from nasdqn.settings.streams import CONTROLLER_STREAM as STREAM_OF


@dataclass
class StudyPlan:
    roots: dict[str | None, str]  # variant (None in a plain study) -> its results root
    settings: dict[str, dict] = field(default_factory=dict)  # run_id -> resolved settings
    runs: dict[str | None, list[RunRecord]] = field(default_factory=dict)  # variant -> its agent x seed runs

    @property
    def has_variants(self) -> bool:
        return None not in self.roots

    def variant_of(self, root: str) -> str | None:
        return next(v for v, r in self.roots.items() if r == root)

    def runs_of(self, root: str) -> list[RunRecord]:
        return self.runs[self.variant_of(root)]

    def unique_runs(self) -> list[RunRecord]:
        """Every distinct run once, in plan order."""
        return list({r.dir: r for rs in self.runs.values() for r in rs}.values())

    def by_dir(self) -> dict[str, RunRecord]:
        return {str(r.dir): r for r in self.unique_runs()}


def study_root(cfg: dict) -> str:
    """Where a study's tables, figures and report go: results/, or results/studies/{protocol.study}/."""
    name = cfg["protocol"]["study"]
    return RESULTS if name is None else f"{RESULTS}/studies/{name}"


def study_plan(cfg: dict) -> StudyPlan:
    variants = list(cfg.get("variants") or {})
    top = study_root(cfg)
    roots = {v: f"{top}/variants/{v}" for v in variants} if variants else {None: top}
    plan = StudyPlan(roots)
    for variant in roots:
        plan.runs[variant] = []
        for agent in cfg["agents"]:
            settings = resolved_agent_config(cfg, agent, variant)
            runs = [RunRecord.planned(settings, seed) for seed in cfg["protocol"]["seeds"]]
            plan.settings[runs[0].run_id] = settings
            plan.runs[variant] += runs
    return plan


def compatible(settings: dict) -> str:
    """Runs that can share one process step one task array and one replay layout; a yoked run
    trains after its partner's, so yoked runs form groups of their own."""
    return canonical_json([settings["env"], settings["dqn"]["replay_size"], settings["unit"], settings["budget"], settings["evaluation"],
                           settings["controller"] == "yoked"])


def partner_dir(run: RunRecord) -> str | None:
    """The directory of a yoked run's partner run (the same seed of its partner agent), else None."""
    partner = (run.settings or {}).get("partner")
    return None if partner is None else run_dir(partner["run"], run.seed)


def shared_controller_streams(plan: "StudyPlan") -> list[tuple[str, str]]:
    """Pairs of searching agents of one variant whose controllers draw from the same stream (the
    same controller kind without nas.agent_stream): their picks are not independent."""
    pairs = []
    for runs in plan.runs.values():
        seen: dict[tuple, str] = {}
        for settings in {r.agent: r.settings for r in runs if r.settings and r.settings["controller"] != "fixed"}.values():
            own = settings["nas"].get("agent_stream", False)
            key = (settings["agent"],) if own else (STREAM_OF[settings["controller"]],)
            if key in seen:
                pairs.append((seen[key], settings["agent"]))
            seen.setdefault(key, settings["agent"])
    return sorted(set(pairs))


def training_groups(plan: StudyPlan, runs_per_job: int, pending: set[str]) -> list[list[RunRecord]]:
    """Groups of at most runs_per_job of the runs still to train (`pending`: their directories),
    each trained in one process.

    Only runs that still need training are grouped (finished runs are never retrained because
    a new run joined their group), and only compatible runs; every group is named by its
    members, so a rerun after a kill finds the same group and resumes its checkpoint (where a
    group finished but its runs were not all copied out, those are not pending: `staged_runs`).
    """
    by_kind: dict[str, list[RunRecord]] = {}
    for run in plan.unique_runs():
        if str(run.dir) in pending:
            by_kind.setdefault(compatible(run.settings), []).append(run)
    groups = []
    for runs in by_kind.values():
        # consecutive in plan order (agent by agent, seed by seed): the seeds of an agent share
        # a process, where runs with one architecture are one stacked network
        groups += [runs[i : i + runs_per_job] for i in range(0, len(runs), runs_per_job)]
    return groups


def group_plan(groups: list[list[RunRecord]]) -> dict:
    """What a training job reads to find its group: members' directories, seeds and settings."""
    out = []
    for members in groups:
        rows = [{"dir": str(r.dir), "seed": r.seed, "settings": r.settings} for r in members]
        gid = digest([[r["dir"], r["seed"]] for r in rows], "group")
        out.append({"id": gid, "members": rows})
    return {"groups": out}


def staged_runs(staging_root: str | Path, train_code: str) -> dict[str, Path]:
    """Runs a training group finished in its staging directory (`staging_root/<group>/<k>/`) and
    that no job copied out yet, written by today's training code: fingerprint -> directory. A
    workflow killed before a group's other jobs ran regroups the runs still to train without them
    (they are not pending), and each one's own job moves it into place instead of training it again."""
    found = {}
    for path in sorted(Path(staging_root).glob("*/*/run.json")):
        try:
            run = json.loads(path.read_text())
            if run["code"]["train"] == train_code:
                found[run["fingerprint"]] = path.parent
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a copy half written or of other code: not a finished run of today's code
    return found
