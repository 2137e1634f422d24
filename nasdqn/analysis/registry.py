"""The metrics the claims compare: one entry each, with its per-run column, its test (a typed
method that fits the comparison), its direction and its margin's scale.

A new metric is one `register(Metric(...))` here (its per-run column comes from metrics.py); a
new test is one Method subclass. Nothing dispatches on a test's name.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from nasdqn.analysis import effects
from nasdqn.analysis.margins import DecisionSettings, Scale
from nasdqn.analysis.samples import Samples


@dataclass(frozen=True)
class Context:
    """What some methods need beyond the two groups' runs."""

    decision: DecisionSettings = field(default_factory=DecisionSettings)
    oracle: tuple[str, ...] = ()  # the oracle's agents (one per architecture), search-space order
    seeds: int = 0  # seeds per agent of the study (the unit the seeds it would take count in)


class Method(ABC):
    """A test: from two groups' runs of one column to a Fit (effects.py)."""

    one_sample: bool = False  # compares an agent with a constant, not with another agent

    @abstractmethod
    def fit(self, data: Samples, column: str, a: str, b: str, ctx: Context) -> effects.Fit:
        ...


class MeanDifference(Method):
    """Welch's t on the difference of means (log=True: the ratio of geometric means)."""

    def __init__(self, log: bool = False):
        self.log = log

    def fit(self, data, column, a, b, ctx):
        return effects.WelchFit(data.get(column, a), data.get(column, b), ctx.seeds or data.n_seeds(a.split("+")[0]), self.log)


class MedianShift(Method):
    """The Hodges-Lehmann shift with the Mann-Whitney permutation test."""

    def fit(self, data, column, a, b, ctx):
        return effects.ShiftFit(data.get(column, a), data.get(column, b), ctx.seeds or data.n_seeds(a.split("+")[0]))


class AccelerationFactor(Method):
    """How many times faster a reaches the threshold (permutation log-rank inversion)."""

    def fit(self, data, column, a, b, ctx):
        return effects.FactorFit(data.get(column, a), data.get("threshold_reached", a), data.get(column, b),
                                 data.get("threshold_reached", b), data.budget, ctx.seeds or data.n_seeds(a.split("+")[0]))


class SpreadRatio(Method):
    """The ratio of across-seed standard deviations (variance-ratio permutation test)."""

    def fit(self, data, column, a, b, ctx):
        return effects.SpreadFit(data.get(column, a), data.get(column, b), ctx.seeds or data.n_seeds(a.split("+")[0]))


class OneSampleMean(Method):
    """One agent's mean minus a constant (what a uniform search gives, or 0)."""

    one_sample = True

    def __init__(self, offset: float = 0.0):
        self.offset = offset

    def fit(self, data, column, a, b, ctx):
        return effects.OneSampleFit(data.get(column, a), self.offset)


class ShareOfRuns(Method):
    """One agent's share of runs with a property, against the share p0 uniform search gives."""

    one_sample = True

    def __init__(self, p0: float):
        self.p0 = p0

    def fit(self, data, column, a, b, ctx):
        return effects.ShareFit(data.get(column, a), self.p0)


@dataclass(frozen=True)
class Metric:
    """A comparison on one per-run column: its test, which way is better, its margin's scale."""

    name: str
    column: str  # "time" resolves to the time to threshold in the protocol's unit
    method: Method
    higher_is_better: bool
    scale: Scale
    label: str
    log_scale: bool = False  # the effect is a log ratio: tables and figures show exp(effect)
    needs_oracle: bool = False  # only a study with protocol.oracle can compute it

    def column_for(self, data: Samples) -> str:
        return data.time if self.column == "time" else self.column

    @property
    def sign(self) -> int:
        return 1 if self.higher_is_better else -1


METRICS: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    if metric.name in METRICS:
        raise ValueError(f"metric {metric.name!r} registered twice")
    METRICS[metric.name] = metric
    return metric


UNIFORM_TOP_SHARE = 5 / 27  # the share of the oracle's top 5 among 27 architectures a uniform search gives

register(Metric("final_performance", "final_performance", MeanDifference(), True, "return",
                "final performance (mean return over the final episodes, difference of means)"))
register(Metric("final_median", "final_performance", MedianShift(), True, "return",
                "final performance (median: Hodges-Lehmann shift)"))
register(Metric("final_spread", "final_performance", SpreadRatio(), False, "ratio",
                "spread of final performance across seeds (ratio of standard deviations)", log_scale=True))
register(Metric("stability", "stability", MeanDifference(), False, "return", "std of return over the final episodes"))
register(Metric("peak", "peak", MeanDifference(), True, "return", "peak single-episode return"))
register(Metric("time_to_threshold", "time", AccelerationFactor(), True, "ratio",
                "reaching the threshold (how many times faster)", log_scale=True))
register(Metric("drawdown", "drawdown", OneSampleMean(), False, "return",
                "drawdown: best rolling average minus the final one"))
register(Metric("train_seconds", "train_seconds", MeanDifference(log=True), False, "ratio",
                "training wall time (ratio of geometric means)", log_scale=True))
register(Metric("visit_entropy", "visit_entropy", MeanDifference(), False, "bits", "entropy of architecture visits (bits)"))
register(Metric("best_pick_fraction", "best_pick_fraction", MeanDifference(), True, "share",
                "share of picks of the best-scored architecture"))
register(Metric("top5_visits", "top5_visit_share", OneSampleMean(UNIFORM_TOP_SHARE), True, "share",
                "share of windows spent in the oracle's top 5, minus 5/27", needs_oracle=True))
register(Metric("top5_final_pick", "top5_final_pick", ShareOfRuns(UNIFORM_TOP_SHARE), True, "share",
                "share of runs whose final architecture is in the oracle's top 5, minus 5/27", needs_oracle=True))


def effect_scale_value(metric: Metric, x: float) -> float:
    """An effect as the tables show it: exp() of a log ratio."""
    return float(np.exp(x)) if metric.log_scale else float(x)
