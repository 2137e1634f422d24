"""The oracle: the search space's 27 architectures trained as fixed agents (protocol.oracle).

What it answers, per task (docs/statistics.md, "The oracle"):
- how much of the variance of final performance the architecture explains (variance_share.py:
  omega-squared with an interval that holds when the architectures' spreads differ); near zero,
  architecture search cannot help on the task;
- the architectures ranked, each mean with its t interval and a rank interval that holds for all
  27 together (Bonferroni-simultaneous Welch comparisons of every pair, as in Klein, Wright and
  Wieczorek, 2020);
- the reference agent against the median architecture and against the best one, both read off
  one joint confidence set (oracle_model.py), so that their verdicts cannot contradict;
- the top 5 that "adaptively identifies the optimal network capacity" (section 1) is measured
  against.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nasdqn.analysis import oracle_model, stats
from nasdqn.analysis.registry import Context, Method, Metric, register
from nasdqn.analysis.samples import Samples

TOP = 5  # the oracle's top architectures the search's visits and final picks are compared with


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


# ----- the oracle's comparisons (registered metrics; claims.py's oracle questions use them) --------
MEDIAN = "oracle_median"  # pseudo-agents a comparison's `than` may name
BEST = "oracle_best"


def _oracle_runs(data: Samples, column: str, ctx: Context) -> np.ndarray:
    """(studies, architectures, seeds) of the oracle's agents."""
    if not ctx.oracle:
        raise KeyError("no oracle agents (protocol.oracle is off)")
    return np.stack([np.atleast_2d(data.get(column, agent)) for agent in ctx.oracle], axis=1)


class AgainstArchitectures(Method):
    """a's mean minus the median (or the maximum) of the architectures' means, from the joint set of
    oracle_model.py (the reference's studentized bootstrap, seeded by analysis.bootstrap_seed, and
    the architectures' simultaneous t intervals)."""

    def __init__(self, functional: oracle_model.Functional):
        self.functional = functional

    def fit(self, data, column, a, b, ctx):
        x, arch = data.get(column, a), _oracle_runs(data, column, ctx)
        if x.shape[1] < 2 or arch.shape[2] < 2:
            raise ValueError("the comparison with the oracle's architectures needs at least 2 runs of each")
        d = ctx.decision
        joint = oracle_model.JointSet(x, arch, d.bootstrap_samples, d.bootstrap_seed, d.return_range)  # returns: in the task's range
        return oracle_model.ProjectionFit(joint, self.functional, ctx.seeds or x.shape[1])


register(Metric("vs_median_architecture", "final_performance", AgainstArchitectures("median"), True, "return",
                "final performance minus the median architecture's (oracle)", needs_oracle=True))
register(Metric("vs_best_in_hindsight", "final_performance", AgainstArchitectures("max"), True, "return",
                "final performance minus the best architecture's (oracle; the same joint set as the median's)", needs_oracle=True))
