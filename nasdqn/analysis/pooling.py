"""The seed as the unit where runs share seeds (docs/statistics.md, "The seed as the unit").

The readings (variants) of one study train every agent on the same seeds, and runs whose settings
agree are trained once and shared, so one agent's runs under six readings are not sixty
independent draws: they are ten seeds, each seen six times. Any statement over several readings
therefore pools per seed first (each agent's mean over the readings, per seed) and compares those
per-seed means, with the seed as the unit: Welch's t for two agents, the joint model of
oracle_model.py against the oracle's architectures.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nasdqn.analysis import oracle_model, stats


def per_seed_means(per_run: pd.DataFrame, agent: str, column: str = "final_performance", reading: str = "reading") -> pd.Series:
    """seed -> the agent's mean over the readings, for the seeds it has in every reading."""
    runs = per_run[per_run["agent"] == agent]
    table = runs.pivot_table(index="seed", columns=reading, values=column, aggfunc="mean")
    return table.dropna().mean(axis=1).sort_index()


@dataclass(frozen=True)
class Pooled:
    """One comparison of per-seed means: a minus b, with its (1 - alpha) interval and two-sided p."""

    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    estimate: float
    ci_low: float
    ci_high: float
    p: float
    test: str


def welch(a: np.ndarray, b: np.ndarray, alpha: float) -> Pooled:
    w = stats.welch(a, b, alpha)
    return Pooled(a.size, b.size, float(a.mean()), float(b.mean()), float(w.estimate[0]), float(w.ci_low[0]),
                  float(w.ci_high[0]), float(w.p[0]), "Welch t on per-seed means")


def against_architectures(a: np.ndarray, arch: np.ndarray, functional: oracle_model.Functional, alpha: float,
                          draws: int, seed: int) -> Pooled:
    """a's per-seed means against the median or the best of the architectures' means (arch: (k, m)),
    read off the joint set; p: twice the smaller one-sided p of zero."""
    fit = oracle_model.ProjectionFit(oracle_model.JointSet(a[None], arch[None], draws, seed), functional, a.size)
    low, high = (float(v[0]) for v in fit.interval(alpha))
    p = min(1.0, 2 * min(float(fit.p_above(0.0)[0]), float(fit.p_below(0.0)[0])))
    return Pooled(a.size, int(arch.shape[1]), float(a.mean()), float(fit.value_b[0]), float(fit.estimate[0]), low, high, p,
                  "joint set (bootstrap-t and simultaneous t intervals) on per-seed means")
