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
