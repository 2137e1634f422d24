"""Which runs a study trains, and where each run's files and each variant's results live.

A run is an agent with its resolved settings, on one seed; its files live in
results/runs/{agent}/{settings hash}/seed{seed}. The hash makes equal runs one run: a
variant that changes only NAS settings reuses the fixed agents' runs of every other variant,
and config/seeds10.yaml reuses the three seeds the paper protocol already trained (change a
setting and only the runs it changes are new). A plain study writes its tables, figures and
report under results/; a study with `variants` (a sensitivity study) gives every variant its
own results root, results/variants/{variant}/, and writes the claims x variants matrix.
Plain Python: the workflow builds its plan from this module without numpy or torch.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from .config import canonical_json, resolved_agent_config

RESULTS = "results"


@dataclass(frozen=True)
class PlannedRun:
    agent: str
    seed: int
    run_id: str  # "<agent>/<settings hash>"

    @property
    def dir(self) -> str:
        return f"{RESULTS}/runs/{self.run_id}/seed{self.seed}"


@dataclass
class StudyPlan:
    roots: dict[str | None, str]  # variant (None in a plain study) -> its results root
    settings: dict[str, dict] = field(default_factory=dict)  # run_id -> resolved settings
    runs: dict[str | None, list[PlannedRun]] = field(default_factory=dict)  # variant -> its agent x seed runs

    @property
    def has_variants(self) -> bool:
        return None not in self.roots

    def variant_of(self, root: str) -> str | None:
        return next(v for v, r in self.roots.items() if r == root)

    def runs_of(self, root: str) -> list[PlannedRun]:
        return self.runs[self.variant_of(root)]

    def unique_runs(self) -> list[PlannedRun]:
        """Every distinct run once, in plan order."""
        return list({(r.run_id, r.seed): r for rs in self.runs.values() for r in rs}.values())


def settings_key(settings: dict) -> str:
    """Short stable hash of resolved settings (the agent name included)."""
    return hashlib.sha256(canonical_json(settings).encode()).hexdigest()[:10]


def study_plan(cfg: dict) -> StudyPlan:
    variants = list(cfg.get("variants") or {})
    roots = {v: f"{RESULTS}/variants/{v}" for v in variants} if variants else {None: RESULTS}
    plan = StudyPlan(roots)
    for variant in roots:
        plan.runs[variant] = []
        for agent in cfg["agents"]:
            settings = resolved_agent_config(cfg, agent, variant)
            run_id = f"{agent}/{settings_key(settings)}"
            plan.settings[run_id] = settings
            plan.runs[variant] += [PlannedRun(agent, seed, run_id) for seed in cfg["protocol"]["seeds"]]
    return plan


def compatible(settings: dict) -> str:
    """Runs that can share one process step one pendulum array and one replay layout."""
    return canonical_json([settings["env"], settings["dqn"]["replay_size"], settings["episodes"], settings["evaluation"]])


def training_groups(plan: StudyPlan, runs_per_job: int, pending: set[tuple[str, int]]) -> list[list[PlannedRun]]:
    """Groups of at most runs_per_job of the runs still to train, each trained in one process.

    Only runs that still need training are grouped (finished runs are never retrained because
    a new run joined their group), and only compatible runs; every group is named by its
    members, so a rerun after a kill finds the same group and resumes its checkpoint.
    """
    by_kind: dict[str, list[PlannedRun]] = {}
    for run in plan.unique_runs():
        if (run.run_id, run.seed) in pending:
            by_kind.setdefault(compatible(plan.settings[run.run_id]), []).append(run)
    groups = []
    for runs in by_kind.values():
        # consecutive in plan order (agent by agent, seed by seed): the seeds of an agent share
        # a process, where runs with one architecture are one stacked network
        groups += [runs[i : i + runs_per_job] for i in range(0, len(runs), runs_per_job)]
    return groups


def group_plan(plan: StudyPlan, groups: list[list[PlannedRun]]) -> dict:
    """What a training job reads to find its group: members' directories, seeds and settings."""
    out = []
    for members in groups:
        rows = [{"dir": r.dir, "seed": r.seed, "settings": plan.settings[r.run_id]} for r in members]
        gid = hashlib.sha256(canonical_json([[r["dir"], r["seed"]] for r in rows]).encode()).hexdigest()[:12]
        out.append({"id": gid, "members": rows})
    return {"groups": out}
