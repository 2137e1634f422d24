"""Two-sample tests, intervals, multiplicity, permutation p-values and robust aggregates.

Every test is vectorised over a leading axis of independent studies (values of shape (S, n)),
so the simulation tests in tests/test_claims.py check the decision rule with this exact code.
Why each test was chosen, and what three seeds can and cannot show, is in docs/statistics.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from math import comb
from typing import Literal

import numpy as np
from scipy import stats as sps

# Seed of the random splits of permutation tests too large to enumerate.
PERMUTATION_SEED = 20240101


@dataclass(frozen=True)
class TwoSample:
    """One comparison of group a against group b, per study.

    `estimate` is the effect of a relative to b in the test's own units (a difference of
    means, a log hazard ratio, ...), with the interval that inverts the same test: the
    interval excludes 0 exactly when p < alpha.
    """

    estimate: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p: np.ndarray


def _2d(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x[None, :] if x.ndim == 1 else x


def welch(a, b, alpha: float) -> TwoSample:
    """Welch's unequal-variance t-test of mean(a) - mean(b) with its (1 - alpha) interval.

    A study where neither group varies has no defined test: p = 1 and an empty effect.
    """
    a, b = _2d(a), _2d(b)
    na, nb = a.shape[1], b.shape[1]
    va, vb = a.var(axis=1, ddof=1), b.var(axis=1, ddof=1)
    se2 = va / na + vb / nb
    diff = a.mean(axis=1) - b.mean(axis=1)
    ok = se2 > 0
    se = np.sqrt(np.where(ok, se2, 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(ok, se2**2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1)), 1.0)
    t = diff / se
    p = np.where(ok, 2 * sps.t.sf(np.abs(t), df), 1.0)
    half = sps.t.ppf(1 - alpha / 2, df) * se
    low, high = np.where(ok, diff - half, np.nan), np.where(ok, diff + half, np.nan)
    return TwoSample(diff, low, high, p)


def mean_interval(x, alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean of x along the last axis with its Student-t (1 - alpha) interval."""
    x = _2d(x)
    n = x.shape[1]
    m = x.mean(axis=1)
    half = sps.t.ppf(1 - alpha / 2, n - 1) * x.std(axis=1, ddof=1) / np.sqrt(n) if n > 1 else np.full_like(m, np.inf)
    return m, m - half, m + half


def holm(p, axis: int = -1) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values along `axis` (NaN counts as 1: no evidence)."""
    p = np.moveaxis(np.nan_to_num(np.asarray(p, dtype=np.float64), nan=1.0), axis, -1)
    m = p.shape[-1]
    order = np.argsort(p, axis=-1, kind="stable")
    ranked = np.take_along_axis(p, order, axis=-1) * (m - np.arange(m))
    adjusted_sorted = np.minimum(np.maximum.accumulate(ranked, axis=-1), 1.0)
    out = np.empty_like(p)
    np.put_along_axis(out, order, adjusted_sorted, axis=-1)
    return np.moveaxis(out, -1, axis)


@lru_cache(maxsize=64)
def splits(n_a: int, n_total: int, max_exact: int = 20_000, n_random: int = 4_000) -> np.ndarray:
    """The splits a permutation test averages over, as (P, n_total) index rows whose first
    n_a entries form group a: all C(n_total, n_a) splits when there are at most max_exact,
    else the observed split plus n_random - 1 seeded random ones (fixed, so that every table
    is deterministic)."""
    if comb(n_total, n_a) <= max_exact:
        rows = [list(c) + [i for i in range(n_total) if i not in c] for c in combinations(range(n_total), n_a)]
        return np.array(rows, dtype=np.int64)
    rng = np.random.default_rng([PERMUTATION_SEED, n_a, n_total])
    rows = np.argsort(rng.random((n_random, n_total)), axis=1)
    rows[0] = np.arange(n_total)
    return rows


@lru_cache(maxsize=64)
def _membership(n_a: int, n_total: int) -> np.ndarray:
    """(n_total, P) 0/1 matrix: column p marks group a of split p."""
    rows = splits(n_a, n_total)
    matrix = np.zeros((rows.shape[0], n_total))
    np.put_along_axis(matrix, rows[:, :n_a], 1.0, axis=1)
    return matrix.T.copy()


Side = Literal["two-sided", "greater", "less"]


def _p_of(stat: np.ndarray, observed: np.ndarray, scale: np.ndarray, side: Side) -> np.ndarray:
    """Share of splits whose statistic is at least as extreme as the observed one (which is among
    them): |stat| >= |observed| (two-sided), stat >= observed (greater) or stat <= observed (less),
    with a relative tolerance for floating-point ties."""
    tol = 1e-9 * (1 + scale)[:, None]
    if side == "two-sided":
        return (np.abs(stat) >= np.abs(observed)[:, None] - tol).mean(axis=1)
    if side == "greater":
        return (stat >= observed[:, None] - tol).mean(axis=1)
    return (stat <= observed[:, None] + tol).mean(axis=1)


def permutation_p(scores, n_a: int, side: Side = "two-sided") -> np.ndarray:
    """Permutation p of the sum of the first n_a scores (group a), per study; "greater": group a's
    sum is large (for log-rank scores: a reaches the threshold sooner).

    For scores that do not depend on the split (log-rank scores, ranks) every split's statistic is
    one matrix product. Exact where the splits are enumerated (the smallest two-sided p is then
    2 / C(n, n_a): 0.1 at 3 vs 3; one-sided 1 / C(n, n_a)), otherwise a seeded Monte Carlo p.
    """
    scores = np.atleast_2d(np.asarray(scores, dtype=np.float64))
    centre = n_a * scores.mean(axis=1)
    stat = scores @ _membership(n_a, scores.shape[1]) - centre[:, None]
    observed = scores[:, :n_a].sum(axis=1) - centre
    return _p_of(stat, observed, np.abs(scores).sum(axis=1), side)


def variance_ratio_permutation_p(values, n_a: int, side: Side = "two-sided") -> np.ndarray:
    """Permutation p of log(var(a) / var(b)) over the pooled values, per study ("greater": a
    varies more).

    Each split's variances come from two matrix products (sums and sums of squares), so
    thousands of splits cost little.
    """
    x = np.atleast_2d(np.asarray(values, dtype=np.float64))
    x = x - x.mean(axis=1, keepdims=True)  # variances are shift-invariant; this keeps them accurate
    n_b = x.shape[1] - n_a
    m = _membership(n_a, x.shape[1])
    sum_a, sq_a = x @ m, (x * x) @ m
    sum_b, sq_b = x.sum(axis=1, keepdims=True) - sum_a, (x * x).sum(axis=1, keepdims=True) - sq_a
    var_a = np.maximum(sq_a - sum_a**2 / n_a, 0) / (n_a - 1)
    var_b = np.maximum(sq_b - sum_b**2 / n_b, 0) / (n_b - 1)
    tiny = 1e-300 + 1e-12 * (x * x).mean(axis=1, keepdims=True)
    stat = np.log(var_a + tiny) - np.log(var_b + tiny)
    observed = np.log(x[:, :n_a].var(axis=1, ddof=1) + tiny[:, 0]) - np.log(x[:, n_a:].var(axis=1, ddof=1) + tiny[:, 0])
    return _p_of(stat, observed, np.zeros(x.shape[0]), side)


def min_permutation_p(n_a: int, n_b: int, side: Side = "two-sided") -> float:
    """The smallest p a permutation test of n_a vs n_b runs can give: 1 / (number of splits) one-sided
    (2 / that two-sided) where they are enumerated, 1 / (Monte Carlo splits) otherwise."""
    count = splits(n_a, n_a + n_b).shape[0]
    return (2.0 if side == "two-sided" else 1.0) / count


def clopper_pearson(successes: int, n: int, alpha: float) -> tuple[float, float]:
    """The exact (Clopper-Pearson) (1 - alpha) interval of a binomial proportion."""
    if n == 0:
        return float("nan"), float("nan")
    low = 0.0 if successes == 0 else float(sps.beta.ppf(alpha / 2, successes, n - successes + 1))
    high = 1.0 if successes == n else float(sps.beta.ppf(1 - alpha / 2, successes + 1, n - successes))
    return low, high


# ----- robust aggregates (Agarwal et al., 2021), written with numpy/scipy ----------------------
def iqm(x, axis: int = -1) -> np.ndarray:
    """Interquartile mean: the mean of the middle 50% of runs (scipy.stats.trim_mean, 25%)."""
    return sps.trim_mean(np.asarray(x, dtype=np.float64), 0.25, axis=axis)


def probability_of_improvement(a, b) -> np.ndarray:
    """P(X > Y) + P(X = Y) / 2 for a run X of agent a and a run Y of agent b (the Mann-Whitney
    U statistic over n_a n_b), along the last axis."""
    a, b = _2d(a), _2d(b)
    gt = (a[:, :, None] > b[:, None, :]).mean(axis=(1, 2))
    eq = (a[:, :, None] == b[:, None, :]).mean(axis=(1, 2))
    return gt + eq / 2


def bootstrap_interval(stat, groups: list[np.ndarray], rng: np.random.Generator, n_boot: int,
                       alpha: float) -> tuple[float, float]:
    """Percentile interval of stat(*groups) under the stratified bootstrap: every group (an
    agent's runs, one task) is resampled with replacement on its own, as rliable does."""
    samples = [g[rng.integers(0, g.size, (n_boot, g.size))] for g in (np.asarray(g, dtype=np.float64) for g in groups)]
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.asarray(stat(*samples), dtype=np.float64)
    lo, hi = np.nanpercentile(values, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(lo), float(hi)
