"""The first mechanism study, re-read (issue 25, item 1): what its headline measured.

From its per-run table (studies/mechanism/per_run.csv: every run of NAS-DQN, Random-NAS and the
matched control under six readings, and the oracle's 27 architectures at the same seeds):

- `stratified`: final performance split by whether the run's last architecture update switched
  (a run judged on a young network) against the median fixed architecture;
- `seed_unit`: the comparisons with the seed as the unit (per seed the mean over the readings,
  which share seeds), beside the same comparison wrongly treating the 60 runs as independent;
- `variance_shares`: omega-squared over the 27 architectures, without those that fail on every
  seed, and over the rest;
- `ranking_by_budget` (from the runs' files): how well a short run ranks the architectures
  (Spearman of each architecture's mean at 10k, 20k, 50k steps against its mean at the end).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from nasdqn.analysis.pooling import per_seed_means, welch
from nasdqn.analysis.variance_share import variance_share

OUTCOMES = ("final_performance", "greedy_final")


def stratified(per_run: pd.DataFrame, oracle: list[str]) -> pd.DataFrame:
    """Mean outcome per task x reading x agent x whether the last update switched, with the median
    fixed architecture's mean beside it."""
    search = per_run[~per_run["agent"].isin(oracle)]
    arch_means = per_run[per_run["agent"].isin(oracle)].groupby("agent")["final_performance"].mean().sort_values(kind="stable")
    median = float(arch_means.iloc[(len(arch_means) - 1) // 2])
    rows = []
    for (reading, agent, switched), g in search.groupby(["reading", "agent", "last_update_switched"], sort=True):
        rows.append({"reading": reading, "agent": agent, "last_update_switched": bool(switched), "runs": len(g),
                     **{f"mean_{o}": float(g[o].mean()) for o in OUTCOMES}, "median_architecture": median,
                     "gap_to_median": float(g["final_performance"].mean()) - median})
    for (agent, switched), g in search.groupby(["agent", "last_update_switched"], sort=True):
        rows.append({"reading": "all", "agent": agent, "last_update_switched": bool(switched), "runs": len(g),
                     **{f"mean_{o}": float(g[o].mean()) for o in OUTCOMES}, "median_architecture": median,
                     "gap_to_median": float(g["final_performance"].mean()) - median})
    return pd.DataFrame(rows)


def seed_unit(per_run: pd.DataFrame, oracle: list[str], reference: str, controls: list[str], alpha: float = 0.05) -> pd.DataFrame:
    """The reference against each control and two fixed baselines on per-seed means over the
    readings (the seed is the unit), by the test the study's own pooled.csv uses (Welch t on
    per-seed means), and for the controls the same test as if every run were independent."""
    table = per_run[per_run["agent"].isin(oracle)].pivot(index="seed", columns="agent", values="final_performance")
    median_arch = table.mean().sort_values(kind="stable").index[(table.shape[1] - 1) // 2]
    rows = []
    for outcome in OUTCOMES:
        arch = per_run[per_run["agent"].isin(oracle)].pivot(index="seed", columns="agent", values=outcome)
        baselines = {c: per_seed_means(per_run, c, outcome) for c in controls}
        baselines[f"median architecture ({median_arch})"] = arch[median_arch]
        baselines["random fixed architecture"] = arch.mean(axis=1)
        ref = per_seed_means(per_run, reference, outcome).to_numpy(float)
        for name, base in baselines.items():
            c = welch(ref, base.dropna().to_numpy(float), alpha)
            row = {"outcome": outcome, "contrast": f"{reference} - {name}", "seeds": c.n_a, "effect": c.estimate, "ci_low": c.ci_low,
                   "ci_high": c.ci_high, "p_seed_unit": c.p, "runs_a": np.nan, "runs_b": np.nan, "p_runs_as_independent": np.nan}
            if name in controls:
                a, b = (per_run.loc[per_run["agent"] == x, outcome].to_numpy() for x in (reference, name))
                row.update(runs_a=len(a), runs_b=len(b), p_runs_as_independent=float(sps.ttest_ind(a, b, equal_var=False).pvalue))
            rows.append(row)
    return pd.DataFrame(rows)


def variance_shares(per_run: pd.DataFrame, oracle: list[str], fail_below: float, alpha: float = 0.05) -> pd.DataFrame:
    """Omega-squared of final performance over every architecture, without the architectures that
    fail (every run ends below `fail_below`), and without those that fail on most seeds (their
    median run ends below it)."""
    values = {a: g.to_numpy() for a, g in per_run[per_run["agent"].isin(oracle)].groupby("agent")["final_performance"]}
    every = sorted(a for a, v in values.items() if (v < fail_below).all())
    most = sorted(a for a, v in values.items() if np.median(v) < fail_below)
    worst3 = sorted(sorted(values, key=lambda a: values[a].mean())[:3])  # the reading: the three worst means
    rows = []
    for name, out in (("all architectures", []), ("without those failing on every seed", every), ("without those failing on most seeds", most),
                      ("without the three worst by mean", worst3)):
        keep = [a for a in values if a not in out]
        est, low, high = variance_share({a: values[a] for a in keep}, alpha)
        rows.append({"set": name, "architectures": len(keep), "estimate": est, "ci_low": low, "ci_high": high, "excluded": " ".join(out)})
    return pd.DataFrame(rows)


def mean_return_before(ages: pd.DataFrame, step: int, width: int) -> float:
    """A run's mean training return over the episodes that end in (step - width, step]."""
    inside = ages[(ages["end_step"] > step - width) & (ages["end_step"] <= step)]
    return float(inside["return"].mean()) if len(inside) else float("nan")


def ranking_by_budget(means_at: dict[int, pd.Series], final: pd.Series) -> pd.DataFrame:
    """Spearman's rank correlation between the architectures' means at each step count and at the
    end (one value per architecture: its mean over seeds)."""
    rows = []
    for step, m in sorted(means_at.items()):
        both = pd.concat([m, final], axis=1, keys=["at", "end"]).dropna()
        rho = sps.spearmanr(both["at"], both["end"])
        rows.append({"step": step, "architectures": len(both), "spearman": float(rho.statistic), "p": float(rho.pvalue)})
    return pd.DataFrame(rows, columns=["step", "architectures", "spearman", "p"])
