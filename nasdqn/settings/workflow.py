"""What the Snakemake workflow needs of a study, computed once when it parses: the validated
config, its plan (runs, results roots), the figures, the source files of each stage, the runs
still to train and their training groups, and each job's resources.

workflow/rules/common.smk builds one `StudyWorkflow` and its input functions only look things up
in it: nothing is written while the workflow parses (the training groups file is written by the
rule `training_groups`, with `python -m nasdqn groups`). Plain Python: no numpy, no torch.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from nasdqn.settings.columns import RUN_FILES
from nasdqn.settings.config import validate
from nasdqn.settings.deps import code_digest, stage_code
from nasdqn.settings.figures import figure_names, run_figure_names
from nasdqn.settings.identity import RESULTS, RunRecord, canonical_json, digest, run_dir
from nasdqn.settings.plan import StudyPlan, group_plan, partner_dir, staged_runs, study_plan, study_root, training_groups
from nasdqn.settings.resolve import analysis_settings
from nasdqn.settings.resources import train_minutes

TRAINING = f"{RESULTS}/.training"  # training groups' plans and staging directories


def group_file(cfg: dict) -> str:
    """The training groups of a study: one file per study (protocol.study), so that two studies
    can run side by side in one checkout."""
    name = cfg["protocol"]["study"]
    return f"{TRAINING}/groups.json" if name is None else f"{TRAINING}/groups-{name}.json"


def pending_runs(plan: StudyPlan, repo_root: str | Path = ".", current: str | None = None, staged: dict | None = None) -> set[str]:
    """Directories of the runs to train now: run.json missing, or written by other training code
    (its recorded digest of the train stage's sources is not `current`, today's), and no finished
    copy of it waiting in a training group's staging directory (`staged`, plan.staged_runs: its job
    moves it out). A caller that has today's digest or the staged runs passes them."""
    current = code_digest("train", repo_root) if current is None else current
    staged = staged_runs(Path(repo_root, TRAINING), current) if staged is None else staged
    out = set()
    for r in plan.unique_runs():
        if r.fingerprint in staged:
            continue
        try:
            recorded = json.loads(Path(repo_root, r.dir, "run.json").read_text())["code"]["train"]
        except (OSError, ValueError, KeyError, TypeError):
            recorded = None
        if recorded != current:
            out.add(str(r.dir))
    return out


def planned_groups(cfg: dict, repo_root: str | Path = ".") -> dict:
    """The training groups file's content: the study's runs still to train, grouped."""
    plan = study_plan(cfg)
    return group_plan(training_groups(plan, cfg["protocol"]["runs_per_job"], pending_runs(plan, repo_root)))


@dataclass
class StudyWorkflow:
    """One study as the workflow sees it (built by `from_config`, read by the input functions)."""

    config: dict  # validated and complete
    repo_root: str  # the checkout whose package the jobs run (relative to the working directory)
    # A job's own Snakemake (a SLURM job) parses the workflow again, when some runs of the main
    # process's groups have finished: it reads the runs still to train from the groups file that
    # process wrote, and names only inputs that exist (the main process submitted the job once its
    # inputs did); otherwise it regroups and runs another run's training as its own input.
    in_job: bool = False
    plan: StudyPlan = field(init=False)

    def __post_init__(self) -> None:
        self.plan = study_plan(self.config)

    @classmethod
    def from_config(cls, config: dict, repo_root: str = ".", in_job: bool = False) -> "StudyWorkflow":
        """Validate the config (ConfigError names the key) and plan the study."""
        return cls(validate(config), repo_root, in_job)

    # ----- the study's shape
    @property
    def study_root(self) -> str:
        return study_root(self.config)

    @property
    def roots(self) -> list[str]:
        return list(self.plan.roots.values())

    @property
    def agents(self) -> list[str]:
        return list(self.config["agents"])

    @property
    def searchers(self) -> list[str]:
        """Agents whose architecture changes (controller random or nas): one search figure each."""
        return [a for a, s in self.config["agents"].items() if s["controller"] != "fixed"]

    @cached_property
    def analysis(self) -> dict:
        return analysis_settings(self.config)

    @property
    def gif_agents(self) -> list[str]:
        """The paper's agents get a GIF each; the oracle's 27 architectures do not."""
        return [a for a in self.agents if a not in self.analysis["oracle"]]

    @property
    def figures(self) -> list[str]:
        """The figures every results root draws (their @figure registrations, read with ast)."""
        return figure_names(self.analysis)

    @property
    def figures_from_runs(self) -> list[str]:
        return run_figure_names(self.analysis)

    @cached_property
    def code(self) -> dict[str, list[str]]:
        """Stage -> the source files it depends on (the import closure of its command)."""
        return stage_code(self.repo_root)

    @cached_property
    def code_digests(self) -> dict[str, str]:
        """Stage -> the digest of its code (deps.code_digest: the syntax trees of its closure, without
        docstrings, comments or layout): each rule takes its stage's digest as a param, so a job
        reruns when its code changes, and not when only a docstring or a comment does."""
        return {stage: code_digest(stage, self.repo_root) for stage in self.code}

    # ----- per results root
    def runs_of(self, root: str) -> list[RunRecord]:
        return self.plan.runs_of(root)

    def run_files(self, root: str, agent: str | None = None) -> list[str]:
        return [f"{r.dir}/{f}" for r in self.runs_of(root) if agent in (None, r.agent) for f in RUN_FILES]

    def run_dirs_json(self, root: str) -> str:
        """[agent, seed, directory] of every run of this results root, for the CLI."""
        return canonical_json([r.as_json() for r in self.runs_of(root)])

    def first_policy(self, root: str, agent: str) -> str:
        return f"{next(r for r in self.runs_of(root) if r.agent == agent).dir}/policy.pt"

    def analysis_json(self, root: str) -> str:
        """What the tables, figures and report of this results root depend on."""
        variant = self.plan.variant_of(root)
        overrides = (self.config.get("variants") or {}).get(variant, {})
        settings = analysis_settings(self.config)
        settings["env"].update(overrides.get("env", {}))  # the task this root's runs are on
        return canonical_json({**settings, "variant": variant, "variant_overrides": overrides})

    def study_analysis_json(self) -> str:
        """The analysis settings of the whole study (the sensitivity matrix across its variants)."""
        return canonical_json(self.analysis)

    def variants_json(self) -> str:
        return canonical_json([[v, r, (self.config.get("variants") or {}).get(v, {})] for v, r in self.plan.roots.items()])

    # ----- training
    def run_settings(self, run_id: str) -> str:
        """A run's resolved settings: its training job reruns exactly when these change."""
        return canonical_json(self.plan.settings[run_id])

    @property
    def config_json(self) -> str:
        """The validated config as JSON, in its own key order (the order of agents is the plan's)."""
        return json.dumps(self.config, separators=(",", ":"))

    @property
    def group_file(self) -> str:
        return group_file(self.config)

    @cached_property
    def staged(self) -> dict[str, Path]:
        """Runs finished in a training group's staging directory that no job copied out (plan.staged_runs)."""
        return staged_runs(Path(self.repo_root, TRAINING), self.code_digests["train"])

    @cached_property
    def pending(self) -> set[str]:
        """The runs still to train, as the main process saw them when it parsed (and wrote them to
        the groups file): a job's own parse reads them from that file where it can."""
        if self.in_job:
            try:
                groups = json.loads(Path(self.repo_root, self.group_file).read_text())["groups"]
                return {m["dir"] for g in groups for m in g["members"]}
            except (OSError, ValueError, KeyError, TypeError):
                pass  # none written (nothing was to train): its inputs are only those that exist
        return pending_runs(self.plan, self.repo_root, self.code_digests["train"], self.staged)

    @cached_property
    def groups(self) -> list[list[RunRecord]]:
        return training_groups(self.plan, self.config["protocol"]["runs_per_job"], self.pending)

    @cached_property
    def groups_digest(self) -> str:
        """Names the groups file's content: `python -m nasdqn groups --expect` checks it."""
        return digest(group_plan(self.groups), "group")

    @cached_property
    def _group_of(self) -> dict[str, list[RunRecord]]:
        return {str(m.dir): g for g in self.groups for m in g}

    def group_inputs(self, run_id: str, seed: int | str) -> list[str]:
        """A run still to train reads the groups file; a run that is not the first of its group
        also waits for the first (which trains the whole group), so that no core or SLURM
        allocation idles on the group's lock; the first job of a group with yoked runs waits for
        their partners' runs (same seed, same variant), whose architectures.csv says where they switch."""
        group = self._group_of.get(run_dir(run_id, seed))
        if group is None:
            return []
        lead = str(group[0].dir)
        if lead != run_dir(run_id, seed):
            inputs = [self.group_file, f"{lead}/run.json"]
        else:
            inputs = [self.group_file, *sorted({f"{p}/run.json" for p in map(partner_dir, group) if p is not None})]
        return [i for i in inputs if Path(self.repo_root, i).exists()] if self.in_job else inputs

    def train_runtime(self, run_id: str, seed: int | str) -> int:
        """Minutes a training job asks a scheduler for (nasdqn/settings/resources.py)."""
        me = run_dir(run_id, seed)
        group = self._group_of.get(me) or [self.plan.by_dir()[me]]
        lead = str(group[0].dir) == me and group[0].fingerprint not in self.staged  # a staged run is only copied out
        return train_minutes([r.settings for r in group], lead=lead)
