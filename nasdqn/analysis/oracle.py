"""The oracle: the search space's 27 architectures trained as fixed agents (protocol.oracle).

What it answers, per task (docs/statistics.md, "The oracle"):
- how much of the variance of final performance the architecture explains (`variance_share`:
  omega-squared of a one-way ANOVA with the noncentral-F interval of Steiger, 2004); near zero,
  architecture search cannot help on the task;
- the architectures ranked, each mean with its t interval and a rank interval that holds for all
  27 together (Bonferroni-simultaneous Welch comparisons of every pair, as in Klein, Wright and
  Wieczorek, 2020);
- the best fixed architecture in hindsight, selected on the first half of the seeds and estimated
  on the other half (sample splitting: the estimate carries no winner's curse);
- the median architecture, and the top 5 that "adaptively identifies the optimal network
  capacity" (section 1) is measured against.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
from scipy import optimize
from scipy import stats as sps

from nasdqn.analysis import effects, stats
from nasdqn.analysis.registry import Context, Method, Metric, register
from nasdqn.analysis.samples import Samples

TOP = 5  # the oracle's top architectures the search's visits and final picks are compared with


# ----- the share of variance that architecture explains -------------------------------------------
def _groups(values_by_arch: Mapping[str, Sequence[float]] | Sequence[Sequence[float]]) -> list[np.ndarray]:
    raw = values_by_arch.values() if isinstance(values_by_arch, Mapping) else values_by_arch
    groups = [np.asarray(v, dtype=np.float64).ravel() for v in raw]
    if len(groups) < 2:
        raise ValueError(f"variance_share: needs at least 2 architectures, got {len(groups)}")
    small = [i for i, g in enumerate(groups) if g.size < 2]
    if small:
        raise ValueError(f"variance_share: every architecture needs at least 2 runs (architecture #{small[0]} has {groups[small[0]].size})")
    if not all(np.isfinite(g).all() for g in groups):
        raise ValueError("variance_share: values must be finite")
    return groups


def anova(groups: list[np.ndarray]) -> tuple[float, float, int, int]:
    """One-way ANOVA: (between-group sum of squares, within-group sum of squares, df1, df2)."""
    n = np.array([g.size for g in groups], dtype=np.float64)
    means = np.array([g.mean() for g in groups])
    grand = float(np.concatenate(groups).mean())
    ss_between = float(np.sum(n * (means - grand) ** 2))
    ss_within = float(sum(np.sum((g - g.mean()) ** 2) for g in groups))
    return ss_between, ss_within, len(groups) - 1, int(n.sum()) - len(groups)


def _noncentrality(f_obs: float, df1: int, df2: int, q: float) -> float:
    """The noncentrality lambda at which the observed F is the q-quantile of F'(df1, df2, lambda)
    (0 when even lambda = 0 puts it below; the cdf falls as lambda grows)."""
    def gap(lam: float) -> float:
        return float(sps.ncf.cdf(f_obs, df1, df2, lam) if lam > 0 else sps.f.cdf(f_obs, df1, df2)) - q

    if gap(0.0) <= 0:
        return 0.0
    high = max(10.0, 2 * f_obs * df1)
    while gap(high) > 0:
        high *= 2
    return float(optimize.brentq(gap, 0.0, high, xtol=1e-10, rtol=1e-12))


def variance_share(values_by_arch: Mapping[str, Sequence[float]] | Sequence[Sequence[float]],
                   alpha: float = 0.05) -> tuple[float, float, float]:
    """The share of the variance of a per-run outcome that the architecture explains, with its
    (1 - alpha) interval: (estimate, low, high), each in [0, 1].

    values_by_arch: architecture -> the per-run values (one per seed; at least 2 per architecture).
    Estimate: omega-squared (Hays), (SS_between - (k - 1) MS_within) / (SS_total + MS_within), the
    fixed-effects share (the 27 architectures are the whole search space, not a sample of one),
    clipped at 0. Interval: Steiger's (2004) inversion of the noncentral F, lambda -> lambda /
    (lambda + N). Measured coverage of the 95% interval with 27 architectures x 10 seeds
    (docs/statistics.md): 93-98% for normal and bimodal outcomes, 82-91% when the architectures'
    spreads differ 30-fold. The stratified bootstrap percentile interval covered 15-74%.
    """
    groups = _groups(values_by_arch)
    ss_b, ss_w, df1, df2 = anova(groups)
    n_total = df1 + df2 + 1
    if ss_w == 0:
        share = 1.0 if ss_b > 0 else 0.0
        return share, share, share
    ms_w = ss_w / df2
    estimate = max(0.0, (ss_b - df1 * ms_w) / (ss_b + ss_w + ms_w))
    f_obs = (ss_b / df1) / ms_w
    lam_low = _noncentrality(f_obs, df1, df2, 1 - alpha / 2)
    lam_high = _noncentrality(f_obs, df1, df2, alpha / 2)
    return estimate, lam_low / (lam_low + n_total), lam_high / (lam_high + n_total)


# ----- ranking ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ranked:
    """One architecture of the oracle, ranked by mean final performance (1 = best)."""

    agent: str
    n: int
    mean: float
    ci_low: float
    ci_high: float
    rank: int
    rank_low: int  # the simultaneous (1 - alpha) rank interval
    rank_high: int


def rank_intervals(values: dict[str, np.ndarray], alpha: float) -> dict[str, tuple[int, int]]:
    """Rank intervals that hold jointly with probability >= 1 - alpha: architecture i ranks no
    better than 1 + the number significantly above it and no worse than K - the number
    significantly below it, where "significantly" is a Welch interval at alpha / (K (K - 1) / 2)
    (Bonferroni over every pair, so all the pairwise statements hold together)."""
    names = list(values)
    k = len(names)
    level = alpha / max(k * (k - 1) / 2, 1)
    above = {a: 0 for a in names}
    below = {a: 0 for a in names}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            w = stats.welch(values[a], values[b], level)
            if w.ci_low[0] > 0:
                above[b] += 1
                below[a] += 1
            elif w.ci_high[0] < 0:
                above[a] += 1
                below[b] += 1
    return {a: (1 + above[a], k - below[a]) for a in names}


def ranking(values: dict[str, np.ndarray], alpha: float) -> list[Ranked]:
    """Every architecture with its mean, t interval, rank and simultaneous rank interval, best first
    (ties in the mean keep the order of `values`, the search space's)."""
    order = sorted(values, key=lambda a: -float(np.mean(values[a])))
    intervals = rank_intervals(values, alpha)
    out = []
    for rank, agent in enumerate(order, start=1):
        v = np.asarray(values[agent], dtype=np.float64)
        mean, low, high = stats.mean_interval(v, alpha) if v.size > 1 else (v[:1], [np.nan], [np.nan])
        out.append(Ranked(agent, int(v.size), float(np.mean(v)), float(low[0]), float(high[0]), rank, *intervals[agent]))
    return out


def top_architectures(values: dict[str, np.ndarray], top: int = TOP) -> list[str]:
    """The `top` agents with the highest mean (search-space order breaks ties)."""
    return sorted(values, key=lambda a: -float(np.mean(values[a])))[:top]


# ----- the best in hindsight, without the winner's curse -------------------------------------------
def split_seeds(seeds: Sequence[int]) -> tuple[list[int], list[int]]:
    """Selection and estimation halves of the sorted seeds: the first floor(n / 2) select the best
    architecture, the others estimate its performance."""
    ordered = sorted(int(s) for s in seeds)
    half = len(ordered) // 2
    return ordered[:half], ordered[half:]


def best_in_hindsight(values_by_seed: dict[str, dict[int, float]]) -> tuple[str, list[int], list[int]] | None:
    """(the architecture with the highest mean on the selection half, selection seeds, estimation
    seeds); None with fewer than 2 seeds in either half."""
    seeds = sorted(set.intersection(*(set(v) for v in values_by_seed.values())))
    select, estimate = split_seeds(seeds)
    if len(select) < 1 or len(estimate) < 2:
        return None
    best = max(values_by_seed, key=lambda a: float(np.mean([values_by_seed[a][s] for s in select])))
    return best, select, estimate


# ----- the oracle's comparisons (registered metrics; claims.py's oracle questions use them) --------
MEDIAN = "oracle_median"  # pseudo-agents a comparison's `than` may name
BEST = "oracle_best"


def _oracle_runs(data: Samples, column: str, ctx: Context) -> np.ndarray:
    """(studies, architectures, seeds) of the oracle's agents."""
    if not ctx.oracle:
        raise KeyError("no oracle agents (protocol.oracle is off)")
    return np.stack([np.atleast_2d(data.get(column, agent)) for agent in ctx.oracle], axis=1)


class AgainstMedianArchitecture(Method):
    """a's mean minus the median of the 27 architectures' means, with a stratified bootstrap
    (every agent's runs resampled on their own, seeded by analysis.bootstrap_seed)."""

    def fit(self, data, column, a, b, ctx):
        x, arch = data.get(column, a), _oracle_runs(data, column, ctx)
        median_of_means = np.median(arch.mean(axis=2), axis=1)
        estimate = x.mean(axis=1) - median_of_means
        n_boot = ctx.decision.bootstrap_samples
        rng = np.random.default_rng([ctx.decision.bootstrap_seed, 27, x.shape[1], arch.shape[2]])
        draws = np.empty((x.shape[0], n_boot))
        for s in range(x.shape[0]):  # one study at a time: (B, 27, n) indices stay small
            xs = x[s][rng.integers(0, x.shape[1], (n_boot, x.shape[1]))].mean(axis=1)
            pick = rng.integers(0, arch.shape[2], (n_boot, arch.shape[1], arch.shape[2]))
            means = np.take_along_axis(np.broadcast_to(arch[s], pick.shape), pick, axis=2).mean(axis=2)
            draws[s] = xs - np.median(means, axis=1)
        return effects.BootstrapFit(estimate, draws, x.mean(axis=1), median_of_means, ctx.seeds or x.shape[1])


class AgainstBestInHindsight(Method):
    """a's runs against the best architecture in hindsight: selected by its mean on the first half
    of the seeds, compared (Welch) on the other half only, so the winner's curse of the selection
    does not enter the estimate."""

    def fit(self, data, column, a, b, ctx):
        x, arch = data.get(column, a), _oracle_runs(data, column, ctx)
        half = arch.shape[2] // 2
        if half < 1 or arch.shape[2] - half < 2:
            raise ValueError("the best architecture in hindsight needs at least 3 seeds (1 to select, 2 to estimate)")
        best = np.argmax(arch[:, :, :half].mean(axis=2), axis=1)
        held_out = arch[np.arange(arch.shape[0]), best, half:]
        fit = effects.WelchFit(x, held_out, ctx.seeds or x.shape[1])
        fit.selected = [ctx.oracle[k] for k in best]  # type: ignore[attr-defined]
        return fit


register(Metric("vs_median_architecture", "final_performance", AgainstMedianArchitecture(), True, "return",
                "final performance minus the median architecture's (oracle)", needs_oracle=True))
register(Metric("vs_best_in_hindsight", "final_performance", AgainstBestInHindsight(), True, "return",
                "final performance minus the best architecture in hindsight's (selected on half the seeds)", needs_oracle=True))
