"""The first mechanism study re-read (issue 25, item 1): its tables from its committed per-run
table, and, where its runs are on this machine (retrained: they are deterministic), the switch-cost
curves, how well a short run ranks the architectures, and compact curves of every run.

Writes (deterministically) into the output folder: stratified.csv, seed_unit.csv,
variance_shares.csv, and with the runs ranking_by_budget.csv (at 10%, 20% and 50% of the budget), switch_cost.csv and curves.csv.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from nasdqn.analysis import reread
from nasdqn.analysis.switching import by_age, compact_curve, read_run, window_in_steps
from nasdqn.outputs.fairtest import FIXED
from nasdqn.settings.config import oracle_agents
from nasdqn.settings.plan import study_plan

FRACTIONS = (0.1, 0.2, 0.5)  # of the budget: 10k, 20k and 50k steps of the first study's 100k


def text(df: pd.DataFrame) -> str:
    from nasdqn.jobs.results import csv_text

    return csv_text(list(df.columns), df.to_dict("records"))


def from_table(per_run: pd.DataFrame, cfg: dict) -> dict[str, str]:
    oracle = [a for a in oracle_agents() if a in set(per_run["agent"])]
    low, high = cfg["analysis"]["return_range"]
    roles = cfg["roles"]
    controls = [a for a in (roles["random_search"], roles["matched_random"]) if a is not None]
    return {"stratified.csv": text(reread.stratified(per_run, oracle)),
            "seed_unit.csv": text(reread.seed_unit(per_run, oracle, roles["reference"], controls)),
            "variance_shares.csv": text(reread.variance_shares(per_run, oracle, (low + high) / 2))}


def run_dirs(cfg: dict, results: Path) -> dict[tuple[str, str, int], Path]:
    """(reading, agent, seed) -> run directory, for every run of the study (the oracle's under reading "all")."""
    plan, oracle, out = study_plan(cfg), set(oracle_agents()), {}
    for variant, runs in plan.runs.items():
        for r in runs:
            out[("all" if r.agent in oracle else variant or "default", r.agent, r.seed)] = results / Path(r.dir).relative_to("results")
    return out


def mismatched_runs(per_run: pd.DataFrame, cfg: dict, results: Path) -> list[str]:
    """The retrained runs whose final performance differs from the committed per-run table's (runs
    are deterministic, so every one must match), and the table's runs that are missing."""
    import numpy as np

    from nasdqn.analysis.metrics import MetricSettings
    from nasdqn.settings.config import analysis_settings

    last = MetricSettings.from_analysis(analysis_settings(cfg)).final_episodes
    committed = {(r["reading"], r["agent"], int(r["seed"])): float(r["final_performance"]) for r in per_run.to_dict("records")}
    wrong = []
    for key, d in sorted(run_dirs(cfg, results).items()):
        episodes = d / "episodes.csv"
        if not episodes.is_file():
            wrong.append(f"{d}: missing (the run has not been trained)")
            continue
        returns = pd.read_csv(episodes)["return"].to_numpy(dtype=np.float64)
        mine = float(returns[-last:].mean())
        if key in committed and not np.isclose(mine, committed[key], rtol=0, atol=1e-9):
            wrong.append(f"{d}: final performance {mine!r}, the committed table has {committed[key]!r}")
    return wrong


def from_runs(cfg: dict, results: Path) -> dict[str, str | bytes]:
    dirs = run_dirs(cfg, results)
    runs = {key: read_run(d) for key, d in sorted(dirs.items())}
    budget = int(cfg["protocol"]["budget"])
    steps, window = window_in_steps([r[0] for r in runs.values()], budget, int(cfg["nas"]["arch_update_interval"]))
    groups: dict[tuple[str, str], list] = {}
    for (reading, agent, _), (ages, greedy) in runs.items():
        groups.setdefault(("all", FIXED) if reading == "all" else (reading, agent), []).append((ages, greedy))
    cost = []
    for (reading, agent), members in groups.items():
        for what, value, k in (("training", "return", 0), ("greedy", "mean_return", 1)):
            t = by_age([m[k] for m in members], value, max(1, window // 5), steps if agent == FIXED else window * 6)
            cost.append(t.assign(reading=reading, agent=agent, outcome=what))
    oracle_runs = {(a, s): r[0] for (reading, a, s), r in runs.items() if reading == "all"}
    points = [int(round(f * steps)) for f in FRACTIONS] + [steps]
    at = {p: pd.Series({(a, s): reread.mean_return_before(ages, p, max(1, window // 2)) for (a, s), ages in oracle_runs.items()})
          for p in points}
    means = {p: v.groupby(level=0).mean() for p, v in at.items()}
    ranking = reread.ranking_by_budget({p: means[p] for p in points[:-1]}, means[steps])
    curves = [compact_curve(r[0], budget, 50).assign(reading=reading, agent=a, seed=s) for (reading, a, s), r in runs.items()]
    cost_table = pd.concat(cost, ignore_index=True)
    curve_table = pd.concat(curves, ignore_index=True)
    return {"switch_cost.csv": text(cost_table[["reading", "agent", "outcome", "age_from", "age_to", "episodes", "runs", "mean"]]),
            "ranking_by_budget.csv": text(ranking),
            "curves.csv": text(curve_table[["reading", "agent", "seed", "step", "mean_return", "episodes", "age"]])}
