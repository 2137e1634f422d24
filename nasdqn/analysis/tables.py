"""The tables aggregation writes to {root}/metrics/ besides the claims (claim_tables.py) and the
oracle's (oracle_tables.py): summaries, robust aggregates, success at the ceiling, the sanity
floor and the agents' roles. Deterministic functions of per_run.csv and the analysis settings
(every bootstrap draws from a fixed seed)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from nasdqn.analysis import claims as cl  # noqa: F401  (tests reach the settings through it)
from nasdqn.analysis import decision, stats, survival
from nasdqn.analysis.margins import DecisionSettings
from nasdqn.analysis.readers import read_table
from nasdqn.analysis.samples import Samples, Unit, time_column
from nasdqn.settings.errors import ResultsError

SUMMARY_COLUMNS = [
    "agent", "label", "metric", "n_runs", "mean", "std", "ci95_low", "ci95_high", "median", "iqm", "iqm_ci95_low",
    "iqm_ci95_high", "n_reached", "restricted_mean", "km_median",
]
SUMMARY_METRICS = [
    "final_performance", "stability", "episodes_to_threshold", "peak", "train_seconds", "search_overhead_share",
    "visit_entropy", "best_pick_fraction", "transitions", "keep_fraction", "episodes_since_transition",
    "greedy_final", "greedy_episodes_to_threshold", "steps_to_threshold", "drawdown", "top5_visit_share", "top5_final_pick",
]
ROBUST_COLUMNS = ["kind", "agent", "than", "value", "ci95_low", "ci95_high"]
CEILING_COLUMNS = ["agent", "label", "n_runs", "ceiling", "successes", "success_rate", "success_ci_low", "success_ci_high",
                   "mean_given_success", "given_success_ci_low", "given_success_ci_high"]
FLOOR_CHECK_COLUMNS = ["agent", "label", "seed", "uniform_random", "best_constant", "greedy_final", "final_performance",
                       "beats_uniform_greedy", "beats_uniform_training", "learned"]
AGENT_COLUMNS = ["agent", "label", "controller", "roles", "oracle"]


@dataclass(frozen=True)
class Analysis:
    """What the tables depend on: config.analysis_settings() as a typed object."""

    agents: list[str]
    labels: dict[str, str]
    roles: dict
    budget: int
    decision: DecisionSettings
    unit: Unit = "episodes"
    oracle: tuple[str, ...] = ()
    controllers: dict[str, str] = field(default_factory=dict)
    fixed: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, a: dict) -> "Analysis":
        return cls(list(a["agents"]), dict(a["labels"]), dict(a["roles"]), int(a["budget"]),
                   DecisionSettings.from_config(a["decision"]), a.get("unit", "episodes"), tuple(a.get("oracle", ())),
                   dict(a.get("controllers", {})), dict(a.get("fixed", {})))

    def label(self, agent: str) -> str:
        return "+".join(decision.LABELS.get(a, self.labels.get(a, a)) for a in agent.split("+"))

    @property
    def time(self) -> str:
        return time_column(self.unit)

    @property
    def searchers(self) -> list[str]:
        return [a for a in self.agents if self.controllers.get(a, "fixed") != "fixed"]

    def samples(self, per_run: pd.DataFrame) -> Samples:
        return Samples.from_table(per_run, self.budget, self.unit)


# ----- summary ----------------------------------------------------------------------------------
def _summary_row(agent: str, metric: str, x: np.ndarray, reached: np.ndarray, a: Analysis, rng) -> dict:
    d = a.decision
    finite = x[np.isfinite(x)]
    row = {"agent": agent, "label": a.label(agent), "metric": metric, "n_runs": int(x.size)}
    if finite.size:
        mean, low, high = stats.mean_interval(finite, d.alpha) if finite.size > 1 else (finite[:1], [np.nan], [np.nan])
        iqm_lo, iqm_hi = stats.bootstrap_interval(stats.iqm, [finite], rng, d.bootstrap_samples, d.alpha)
        row.update(mean=float(finite.mean()), std=float(finite.std(ddof=1)) if finite.size > 1 else np.nan,
                   ci95_low=float(low[0]), ci95_high=float(high[0]), median=float(np.median(finite)),
                   iqm=float(stats.iqm(finite)), iqm_ci95_low=iqm_lo, iqm_ci95_high=iqm_hi)
    if metric.endswith("_to_threshold") and x.size and np.isfinite(x).all():
        times, surv = survival.kaplan_meier(x, reached)
        below = np.flatnonzero(surv <= 0.5)
        # the restricted mean needs one censoring point: the budget, in the protocol's unit
        own_unit = metric == a.time or (metric == "greedy_episodes_to_threshold" and a.unit == "episodes")
        rmst = float(survival.restricted_mean(x, a.budget)) if own_unit else np.nan
        row.update(n_reached=int(reached.sum()), restricted_mean=rmst, km_median=float(times[below[0]]) if below.size else np.nan)
    return row


def summary_table(per_run: pd.DataFrame, a: Analysis) -> pd.DataFrame:
    """Per agent and metric: mean with its t interval, median, IQM with a stratified-bootstrap
    interval; for the time to threshold also how many runs reached it, the restricted mean
    (censored runs at the budget) and the Kaplan-Meier median."""
    rng = np.random.default_rng(a.decision.bootstrap_seed)
    rows = []
    for agent in a.agents:
        runs = per_run[per_run["agent"] == agent]
        for metric in SUMMARY_METRICS:
            flag = "greedy_threshold_reached" if metric.startswith("greedy") else "threshold_reached"
            reached = runs[flag].to_numpy(dtype=bool)
            rows.append(_summary_row(agent, metric, runs[metric].to_numpy(dtype=np.float64), reached, a, rng))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


# ----- robust aggregates ------------------------------------------------------------------------
def robust_table(per_run: pd.DataFrame, a: Analysis, metric: str = "final_performance") -> pd.DataFrame:
    """rliable's aggregates of one metric: IQM per agent and the probability that the reference
    agent's run beats another agent's run, with stratified-bootstrap intervals. With fewer than 4
    runs the IQM trims nothing: it is the plain mean."""
    d = a.decision
    rng = np.random.default_rng(d.bootstrap_seed + 2)
    values = {x: per_run.loc[per_run["agent"] == x, metric].to_numpy(float) for x in a.agents}
    rows = []
    for agent, v in values.items():
        lo, hi = stats.bootstrap_interval(stats.iqm, [v], rng, d.bootstrap_samples, d.alpha)
        rows.append({"kind": f"iqm_{metric}", "agent": agent, "than": "", "value": float(stats.iqm(v)), "ci95_low": lo, "ci95_high": hi})
    ref = a.roles.get("reference")
    for other in (x for x in a.agents if x != ref and ref in values and x not in a.oracle):
        lo, hi = stats.bootstrap_interval(stats.probability_of_improvement, [values[ref], values[other]], rng,
                                          d.bootstrap_samples, d.alpha)
        poi = float(stats.probability_of_improvement(values[ref], values[other])[0])
        rows.append({"kind": f"probability_of_improvement_{metric}", "agent": ref, "than": other, "value": poi,
                     "ci95_low": lo, "ci95_high": hi})
    return pd.DataFrame(rows, columns=ROBUST_COLUMNS)


# ----- success at the ceiling -------------------------------------------------------------------
def ceiling_table(per_run: pd.DataFrame, a: Analysis) -> pd.DataFrame:
    """Bounded, zero-inflated final performance read in two parts: the share of runs that end
    within the return margin of the ceiling (the best final performance any run of the study
    reached: the task's best as this study saw it, the same for every agent), with its exact
    binomial interval, and the mean final performance of those runs, with its t interval."""
    d = a.decision
    finals = per_run["final_performance"].to_numpy(float)
    ceiling = float(np.max(finals)) if finals.size else float("nan")
    rows = []
    for agent in a.agents:
        x = per_run.loc[per_run["agent"] == agent, "final_performance"].to_numpy(float)
        ok = x >= ceiling - d.margin("return")
        low, high = stats.clopper_pearson(int(ok.sum()), int(x.size), d.alpha)
        given = x[ok]
        mean, glo, ghi = stats.mean_interval(given, d.alpha) if given.size > 1 else (given[:1], [np.nan], [np.nan])
        rows.append({"agent": agent, "label": a.label(agent), "n_runs": int(x.size), "ceiling": ceiling, "successes": int(ok.sum()),
                     "success_rate": float(ok.mean()) if x.size else np.nan, "success_ci_low": low, "success_ci_high": high,
                     "mean_given_success": float(given.mean()) if given.size else np.nan,
                     "given_success_ci_low": float(glo[0]), "given_success_ci_high": float(ghi[0])})
    return pd.DataFrame(rows, columns=CEILING_COLUMNS)


# ----- the sanity floor ---------------------------------------------------------------------------
def floor_check(per_run: pd.DataFrame, floor: pd.DataFrame | None, a: Analysis) -> pd.DataFrame:
    """Per run: does it beat the uniform-random policy of its own seed? The verdict ("learned")
    uses the final greedy evaluation, played on the very start states the floor was measured on;
    the final training performance (epsilon-greedy, other start states) is shown beside it, and
    decides only where the greedy evaluation is off."""
    if floor is None:
        return pd.DataFrame(columns=FLOOR_CHECK_COLUMNS)
    rows = []
    for rec in per_run.to_dict("records"):
        mine = floor[floor["seed"] == rec["seed"]]
        uniform = mine.loc[mine["policy"] == "uniform_random", "mean_return"]
        if uniform.empty:
            raise ValueError(f"floor table: no uniform_random row for seed {rec['seed']}")
        u = float(uniform.iloc[0])
        constants = mine.loc[mine["policy"].str.startswith("constant_"), "mean_return"]
        greedy, train = float(rec["greedy_final"]), float(rec["final_performance"])
        by_greedy = bool(greedy > u) if np.isfinite(greedy) else None
        rows.append({"agent": rec["agent"], "label": a.label(rec["agent"]), "seed": int(rec["seed"]), "uniform_random": u,
                     "best_constant": float(constants.max()) if len(constants) else np.nan, "greedy_final": greedy,
                     "final_performance": train, "beats_uniform_greedy": "" if by_greedy is None else by_greedy,
                     "beats_uniform_training": bool(train > u), "learned": by_greedy if by_greedy is not None else bool(train > u)})
    return pd.DataFrame(rows, columns=FLOOR_CHECK_COLUMNS)


def agents_table(a: Analysis) -> pd.DataFrame:
    """Every agent with its label, controller, the roles it plays and whether it is an oracle agent
    (what the cross-task mechanism command reads)."""
    rows = []
    for agent in a.agents:
        roles = [r for r, v in a.roles.items() if v == agent or (isinstance(v, list) and agent in v)]
        rows.append({"agent": agent, "label": a.label(agent), "controller": a.controllers.get(agent, ""),
                     "roles": " ".join(roles), "oracle": agent in a.oracle})
    return pd.DataFrame(rows, columns=AGENT_COLUMNS)


FLOOR_COLUMNS = ["policy", "seed", "mean_return", "min_return", "max_return", "episodes"]


def read_floor(path: Path, seeds: list[int]) -> pd.DataFrame:
    """metrics/floor.csv, checked: its columns, finite returns, a uniform_random row for every seed."""
    df = read_table(path, FLOOR_COLUMNS, "missing (the floor table; the floor command writes it)")
    if not pd.api.types.is_numeric_dtype(df["mean_return"]) or not np.isfinite(df["mean_return"].to_numpy(float)).all():
        raise ResultsError(f"{path}: column 'mean_return' must hold finite numbers")
    have = set(df.loc[df["policy"] == "uniform_random", "seed"].astype(int))
    lacking = [s for s in seeds if s not in have]
    if lacking:
        raise ResultsError(f"{path}: no uniform_random row for seed(s) {', '.join(map(str, lacking))}")
    return df
