"""Across-seed statistics: summaries with bootstrap intervals and NAS-DQN-vs-others tests.

With the paper's 3 seeds these tests are weak, and the tables say so: every comparison
carries the smallest p-value its Mann-Whitney test could possibly reach at that number of
seeds, and every interval is a percentile bootstrap over only a handful of values.
"""
from __future__ import annotations

from math import comb

import numpy as np
import pandas as pd
from scipy import stats as sps

from .metrics import METRICS

# For each metric, +1 when higher is better, -1 when lower is better.
DIRECTION = {"final_performance": 1, "stability": -1, "episodes_to_150": -1, "peak": 1, "train_seconds": -1}
N_BOOT = 10_000
BOOT_SEED = 20240101  # fixed: the tables are deterministic functions of the runs
REFERENCE_AGENT = "nas_dqn"

SUMMARY_COLUMNS = ["agent", "metric", "n_seeds", "n_values", "mean", "std", "ci95_low", "ci95_high", "note"]
STATS_COLUMNS = [
    "metric", "agent", "reference", "reference_mean", "agent_mean", "difference", "diff_ci95_low", "diff_ci95_high",
    "welch_t", "welch_p", "welch_p_holm", "mannwhitney_u", "mannwhitney_p", "mannwhitney_p_holm",
    "min_attainable_mw_p", "hedges_g", "n_reference", "n_agent", "reference_better", "note",
]


def bootstrap_means(values: np.ndarray, rng: np.random.Generator, n_boot: int = N_BOOT) -> np.ndarray:
    """Means of n_boot resamples (with replacement) of `values`."""
    values = np.asarray(values, dtype=np.float64)
    return values[rng.integers(0, values.size, (n_boot, values.size))].mean(axis=1)


def percentile_ci(samples: np.ndarray) -> tuple[float, float]:
    lo, hi = np.percentile(samples, [2.5, 97.5])
    return float(lo), float(hi)


NAN_CI = (float("nan"), float("nan"))


def bootstrap_mean_ci(values: np.ndarray, rng: np.random.Generator, n_boot: int = N_BOOT) -> tuple[float, float]:
    return percentile_ci(bootstrap_means(values, rng, n_boot)) if np.size(values) else NAN_CI


def bootstrap_diff_ci(a: np.ndarray, b: np.ndarray, rng: np.random.Generator, n_boot: int = N_BOOT) -> tuple[float, float]:
    """CI of mean(a) - mean(b), resampling each group."""
    if a.size == 0 or b.size == 0:
        return NAN_CI
    return percentile_ci(bootstrap_means(a, rng, n_boot) - bootstrap_means(b, rng, n_boot))


def bootstrap_ratio_ci(num: np.ndarray, den: np.ndarray, rng: np.random.Generator, n_boot: int = N_BOOT) -> tuple[float, float]:
    """CI of mean(num) / mean(den), resampling each group."""
    if num.size == 0 or den.size == 0:
        return NAN_CI
    return percentile_ci(bootstrap_means(num, rng, n_boot) / bootstrap_means(den, rng, n_boot))


def holm(pvalues: list[float]) -> list[float]:
    """Holm-Bonferroni step-down adjusted p-values (NaN entries stay NaN and are not counted)."""
    p = np.asarray(pvalues, dtype=np.float64)
    ok = np.flatnonzero(~np.isnan(p))
    out = np.full(p.shape, np.nan)
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    running = 0.0
    for rank, idx in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[idx]))
        out[idx] = running
    return out.tolist()


def hedges_g(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = a.size, b.size
    if na < 2 or nb < 2:
        return float("nan")
    pooled = np.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    if pooled == 0:
        return float("nan")
    return float((a.mean() - b.mean()) / pooled * (1 - 3 / (4 * (na + nb) - 9)))


def metric_values(per_run: pd.DataFrame, agent: str, metric: str) -> np.ndarray:
    """Finite values of one metric for one agent (seeds that never reached the threshold drop out)."""
    col = per_run.loc[per_run["agent"] == agent, metric].astype("Float64")
    return col.dropna().to_numpy(dtype=np.float64)


def summary_table(per_run: pd.DataFrame, agents: list[str]) -> pd.DataFrame:
    rng = np.random.default_rng(BOOT_SEED)
    rows = []
    for agent in agents:
        n_seeds = int((per_run["agent"] == agent).sum())
        for metric in METRICS:
            v = metric_values(per_run, agent, metric)
            lo, hi = bootstrap_mean_ci(v, rng)
            note = ""
            if metric == "episodes_to_150":
                note = f"threshold reached in {v.size} of {n_seeds} seeds"
                note += "; mean over those" if 0 < v.size < n_seeds else ("; never reached" if v.size == 0 else "")
            if 0 < v.size < 5:
                note = (note + "; " if note else "") + f"bootstrap over only {v.size} values"
            rows.append({
                "agent": agent, "metric": metric, "n_seeds": n_seeds, "n_values": int(v.size),
                "mean": float(v.mean()) if v.size else float("nan"),
                "std": float(v.std(ddof=1)) if v.size > 1 else float("nan"),
                "ci95_low": lo, "ci95_high": hi, "note": note,
            })
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def comparison_table(per_run: pd.DataFrame, agents: list[str], reference: str = REFERENCE_AGENT) -> pd.DataFrame:
    """Reference agent against each other agent, metric by metric; Holm within each metric and test."""
    rng = np.random.default_rng(BOOT_SEED + 1)
    others = [a for a in agents if a != reference]
    rows = []
    for metric in METRICS:
        block = []
        ref_all = per_run.loc[per_run["agent"] == reference, metric].astype("Float64")
        for agent in others:
            a = metric_values(per_run, reference, metric)
            b = metric_values(per_run, agent, metric)
            note = []
            if a.size >= 2 and b.size >= 2 and (a.std() > 0 or b.std() > 0):
                t, p_t = sps.ttest_ind(a, b, equal_var=False)
            else:
                t, p_t = float("nan"), float("nan")
                note.append("Welch test undefined (fewer than 2 values or no variance)")
            # Mann-Whitney on all seeds; for episodes_to_150 a seed that never reached the
            # threshold ranks as slower than every seed that did (a censored value).
            ra = ref_all.fillna(np.inf).to_numpy(dtype=np.float64)
            rb = per_run.loc[per_run["agent"] == agent, metric].astype("Float64").fillna(np.inf).to_numpy(dtype=np.float64)
            if ra.size and rb.size and not (np.all(np.isinf(ra)) and np.all(np.isinf(rb))):
                u, p_u = sps.mannwhitneyu(ra, rb, alternative="two-sided")
            else:
                u, p_u = float("nan"), float("nan")
            min_p = 2.0 / comb(ra.size + rb.size, ra.size) if ra.size and rb.size else float("nan")
            if min_p > 0.05:
                note.append(f"with {ra.size} vs {rb.size} seeds no Mann-Whitney p can fall below {min_p:.3g}")
            lo, hi = bootstrap_diff_ci(a, b, rng)
            diff = float(a.mean() - b.mean()) if a.size and b.size else float("nan")
            block.append({
                "metric": metric, "agent": agent, "reference": reference,
                "reference_mean": float(a.mean()) if a.size else float("nan"),
                "agent_mean": float(b.mean()) if b.size else float("nan"),
                "difference": diff, "diff_ci95_low": lo, "diff_ci95_high": hi,
                "welch_t": float(t), "welch_p": float(p_t), "mannwhitney_u": float(u), "mannwhitney_p": float(p_u),
                "min_attainable_mw_p": float(min_p), "hedges_g": hedges_g(a, b),
                "n_reference": int(a.size), "n_agent": int(b.size),
                "reference_better": bool(diff * DIRECTION[metric] > 0) if diff == diff else False,
                "note": "; ".join(note),
            })
        for key in ("welch_p", "mannwhitney_p"):
            for row, adj in zip(block, holm([r[key] for r in block])):
                row[key + "_holm"] = adj
        rows.extend(block)
    return pd.DataFrame(rows, columns=STATS_COLUMNS)
