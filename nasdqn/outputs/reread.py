"""The first mechanism study re-read (issue 25, item 1): its tables from its committed per-run
table, and, where its runs are on this machine (retrained: they are deterministic), the switch-cost
curves, how well a short run ranks the architectures, and compact curves of every run.

Writes (deterministically) into the output folder: stratified.csv, seed_unit.csv,
variance_shares.csv, and with the runs ranking_by_budget.csv (at 10%, 20% and 50% of the budget), switch_cost.csv,
switch_cost.png (its training return, a panel per reading) and curves.csv.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from nasdqn.analysis import reread
from nasdqn.analysis.switching import FIXED, compact_curve, read_run, switch_cost, window_in_steps
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


Runs = dict[tuple[str, str, int], tuple[pd.DataFrame, pd.DataFrame]]


def read_runs(cfg: dict, results: Path) -> tuple[Runs, list[str]]:
    """Every run of the study, read once ((reading, agent, seed) -> read_run's frames), or, when
    some have not been trained, nothing and their directories."""
    dirs = run_dirs(cfg, results)
    missing = [f"{d}: missing (the run has not been trained)" for d in dirs.values() if not (d / "episodes.csv").is_file()]
    return ({} if missing else {key: read_run(d) for key, d in sorted(dirs.items())}), missing


def mismatched_runs(per_run: pd.DataFrame, cfg: dict, runs: Runs) -> list[str]:
    """The retrained runs whose final performance (metrics.run_metrics, the per-run table's own
    definition) differs from the committed table's: runs are deterministic, so every one must match."""
    from nasdqn.analysis.metrics import MetricSettings, run_metrics
    from nasdqn.settings.config import analysis_settings

    m = MetricSettings.from_analysis(analysis_settings(cfg))
    committed = {(r["reading"], r["agent"], int(r["seed"])): float(r["final_performance"]) for r in per_run.to_dict("records")}
    wrong = []
    for (reading, agent, seed), (ages, _) in runs.items():
        mine = run_metrics(ages["return"].to_numpy(), m)["final_performance"]
        theirs = committed.get((reading, agent, seed))
        if theirs is not None and abs(mine - theirs) > 1e-9:
            wrong.append(f"{agent} seed {seed} ({reading}): final performance {mine!r}, the committed table has {theirs!r}")
    return wrong


def from_runs(cfg: dict, runs: Runs) -> dict[str, str | bytes]:
    budget = int(cfg["protocol"]["budget"])
    steps, window = window_in_steps([r[0] for r in runs.values()], budget, int(cfg["nas"]["arch_update_interval"]))
    groups: dict[tuple[str, str], list] = {}
    for (reading, agent, _), (ages, greedy) in runs.items():
        groups.setdefault(("all", FIXED) if reading == "all" else (reading, agent), []).append((ages, greedy))
    cost_table = switch_cost(groups, steps, window)
    oracle_runs = {(a, s): r[0] for (reading, a, s), r in runs.items() if reading == "all"}
    points = [int(round(f * steps)) for f in FRACTIONS] + [steps]
    at = {p: pd.Series({(a, s): reread.mean_return_before(ages, p, max(1, window // 2)) for (a, s), ages in oracle_runs.items()})
          for p in points}
    means = {p: v.groupby(level=0).mean() for p, v in at.items()}
    ranking = reread.ranking_by_budget({p: means[p] for p in points[:-1]}, means[steps])
    curves = [compact_curve(r[0], budget, 50).assign(reading=reading, agent=a, seed=s) for (reading, a, s), r in runs.items()]
    curve_table = pd.concat(curves, ignore_index=True)
    return {"switch_cost.csv": text(cost_table[["reading", "agent", "outcome", "age_from", "age_to", "episodes", "runs", "mean"]]),
            "ranking_by_budget.csv": text(ranking),
            "curves.csv": text(curve_table[["reading", "agent", "seed", "step", "mean_return", "episodes", "age"]]),
            "switch_cost.png": switch_cost_figure(cost_table)}


def switch_cost_figure(cost: pd.DataFrame) -> bytes:
    """switch_cost.csv's training return by age, a panel per reading, each with the fixed
    architectures from their start (PNG, without time-dependent metadata)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nasdqn.outputs.fairtest import switch_panel

    cost = cost[cost["outcome"] == "training"]
    fixed = cost[cost["agent"] == FIXED]
    readings = sorted(set(cost["reading"]) - set(fixed["reading"]))
    fig, axes = plt.subplots(2, (len(readings) + 1) // 2, figsize=(5.5 * ((len(readings) + 1) // 2), 8), squeeze=False, sharey=True)
    for ax, reading in zip(axes.flat, readings):
        switch_panel(ax, pd.concat([cost[cost["reading"] == reading], fixed]))
        ax.set_title(reading)
        ax.set_xlabel("environment steps since the network took over")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()
