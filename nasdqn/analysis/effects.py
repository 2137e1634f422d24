"""One comparison of agent a against agent b: an effect, its one-sided p-values against any
boundary, the interval that inverts them, the smallest p its sample sizes allow, and its power.

The decision rule (judgements.py) needs, for a boundary b on the effect's scale, the p-value of
"the effect is at most b" (p_above: evidence that it is larger) and of "at least b" (p_below).
The interval at a level is every b that neither rejects: comparing that one interval with 0 and
the margin is comparing these p-values with the level, so the verdict and the interval shown in
the report cannot disagree. Each Fit is vectorised over a leading axis of studies.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, Literal

import numpy as np
from scipy import stats as sps

from nasdqn.analysis import power as pw
from nasdqn.analysis import stats, survival

Side = Literal["above", "below"]


def _bisect(f, lo: np.ndarray, hi: np.ndarray, steps: int = 40) -> np.ndarray:
    """The point where a predicate false at lo and true at hi switches, per study."""
    a, b = lo.copy(), hi.copy()
    for _ in range(steps):
        mid = (a + b) / 2
        yes = f(mid)
        a, b = np.where(yes, a, mid), np.where(yes, mid, b)
    return (a + b) / 2


class Fit(ABC):
    """The common part: the interval by inversion, decidability and descriptive values."""

    test: ClassVar[str]
    estimate: np.ndarray
    value_a: np.ndarray  # what the report quotes for each side (means, restricted means, ...)
    value_b: np.ndarray

    @abstractmethod
    def p_above(self, b) -> np.ndarray:
        """p-value of H0: effect <= b (small: the effect is larger than b)."""

    @abstractmethod
    def p_below(self, b) -> np.ndarray:
        """p-value of H0: effect >= b (small: the effect is smaller than b)."""

    @abstractmethod
    def power(self, n: np.ndarray, truth: float, boundary: float, level: float) -> np.ndarray:
        """Probability that the one-sided test of `boundary` at `level` rejects when the effect is
        `truth`, with n seeds per agent (the study's other settings kept)."""

    def bracket(self) -> tuple[np.ndarray, np.ndarray]:
        """Where interval ends are searched; an end outside it is reported as unbounded."""
        e = np.nan_to_num(self.estimate)
        return e - 1e6, e + 1e6

    def min_p(self, side: Side, b: float) -> float:
        """The smallest p any outcome with these sample sizes can give (0: no floor)."""
        return 0.0

    def floor_reason(self) -> str:
        return ""

    def interval(self, level: float) -> tuple[np.ndarray, np.ndarray]:
        """The two-sided (1 - level) interval: every b with p_above(b) and p_below(b) above level / 2."""
        lo, hi = self.bracket()
        half = level / 2
        low = _bisect(lambda b: self.p_above(b) > half, lo, hi)
        high = _bisect(lambda b: self.p_below(b) <= half, lo, hi)
        low = np.where(self.p_above(lo) > half, -np.inf, low)
        high = np.where(self.p_below(hi) > half, np.inf, high)
        return low, high


class WelchFit(Fit):
    """Difference of means (a - b) with Welch's unequal-variance t; on log values it is the log
    ratio of geometric means. A study where neither group varies has no test (p = 1)."""

    test = "Welch t"

    def __init__(self, x: np.ndarray, y: np.ndarray, seeds: int, log: bool = False):
        if log:
            x, y = np.log(x), np.log(y)
            self.test = "Welch t on log"
        self.na, self.nb = x.shape[1], y.shape[1]
        self.k_a, self.k_b = self.na / seeds, self.nb / seeds
        self.var_a, self.var_b = x.var(axis=1, ddof=1), y.var(axis=1, ddof=1)
        wa, wb = self.var_a / self.na, self.var_b / self.nb
        self.se = np.sqrt(wa + wb)
        self.ok = self.se > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            self.df = np.where(self.ok, (wa + wb) ** 2 / (wa**2 / (self.na - 1) + wb**2 / (self.nb - 1)), 1.0)
        self.estimate = x.mean(axis=1) - y.mean(axis=1)
        self.value_a, self.value_b = (np.exp(x.mean(axis=1)), np.exp(y.mean(axis=1))) if log else (x.mean(axis=1), y.mean(axis=1))

    def _t(self, b) -> np.ndarray:
        return (self.estimate - b) / np.where(self.ok, self.se, 1.0)

    def p_above(self, b) -> np.ndarray:
        return np.where(self.ok, sps.t.sf(self._t(b), self.df), 1.0)

    def p_below(self, b) -> np.ndarray:
        return np.where(self.ok, sps.t.cdf(self._t(b), self.df), 1.0)

    def interval(self, level: float) -> tuple[np.ndarray, np.ndarray]:
        half = sps.t.ppf(1 - level / 2, self.df) * self.se
        return np.where(self.ok, self.estimate - half, np.nan), np.where(self.ok, self.estimate + half, np.nan)

    def min_p(self, side: Side, b: float) -> float:
        return 0.0 if min(self.na, self.nb) >= 2 else 1.0

    def floor_reason(self) -> str:
        return "one run on a side: no variance to test with" if min(self.na, self.nb) < 2 else ""

    def power(self, n, truth, boundary, level):
        return pw.welch_power(n, abs(truth - boundary), float(self.var_a[0]), float(self.var_b[0]), self.k_a, self.k_b, level)


class OneSampleFit(Fit):
    """The mean of one agent's runs minus a constant (0, or what uniform search would give), with
    its Student-t interval."""

    test = "t interval"

    def __init__(self, x: np.ndarray, offset: float = 0.0):
        self.n = x.shape[1]
        self.mean, self.var = x.mean(axis=1), x.var(axis=1, ddof=1) if x.shape[1] > 1 else np.zeros(x.shape[0])
        self.se = np.sqrt(self.var / self.n)
        self.ok = self.se > 0
        self.estimate = self.mean - offset
        self.value_a, self.value_b = self.mean, np.full(self.mean.shape, float(offset))  # the runs' mean, the constant

    def _t(self, b):
        return (self.estimate - b) / np.where(self.ok, self.se, 1.0)

    def p_above(self, b):
        return np.where(self.ok, sps.t.sf(self._t(b), max(self.n - 1, 1)), 1.0)

    def p_below(self, b):
        return np.where(self.ok, sps.t.cdf(self._t(b), max(self.n - 1, 1)), 1.0)

    def interval(self, level):
        half = sps.t.ppf(1 - level / 2, max(self.n - 1, 1)) * self.se
        return np.where(self.ok, self.estimate - half, np.nan), np.where(self.ok, self.estimate + half, np.nan)

    def min_p(self, side, b):
        return 0.0 if self.n >= 2 else 1.0

    def floor_reason(self):
        return "one run: no variance to test with" if self.n < 2 else ""

    def power(self, n, truth, boundary, level):
        return pw.one_sample_power(n, abs(truth - boundary), float(self.var[0]), level)


class _PermutationFit(Fit):
    """Fits whose p-values come from a permutation distribution: the floor on p is one split."""

    na: int
    nb: int

    def min_p(self, side, b):
        return stats.min_permutation_p(self.na, self.nb, "greater")

    def floor_reason(self):
        p = stats.min_permutation_p(self.na, self.nb, "greater")
        return f"with {self.na} vs {self.nb} runs the smallest one-sided permutation p is {p:.3g}"


class ShiftFit(_PermutationFit):
    """How much higher a's runs lie than b's: the Hodges-Lehmann shift (the median of every
    difference x_i - y_j; the difference of medians when the two differ by a shift), with the
    Mann-Whitney rank-sum permutation test of x - b against y behind every p-value."""

    test = "Mann-Whitney (Hodges-Lehmann shift)"

    def __init__(self, x: np.ndarray, y: np.ndarray, seeds: int):
        self.x, self.y = x, y
        self.na, self.nb = x.shape[1], y.shape[1]
        self.k_a, self.k_b = self.na / seeds, self.nb / seeds
        diffs = (x[:, :, None] - y[:, None, :]).reshape(x.shape[0], -1)
        self.estimate = np.median(diffs, axis=1)
        self._lo, self._hi = diffs.min(axis=1) - 1.0, diffs.max(axis=1) + 1.0
        self.value_a, self.value_b = np.median(x, axis=1), np.median(y, axis=1)
        self.var_a, self.var_b = float(x[0].var(ddof=1)) if self.na > 1 else 0.0, float(y[0].var(ddof=1)) if self.nb > 1 else 0.0

    def _ranks(self, b) -> np.ndarray:
        shifted = self.x - np.broadcast_to(np.asarray(b, dtype=np.float64), self.estimate.shape)[:, None]
        return sps.rankdata(np.concatenate([shifted, self.y], axis=1), axis=1)

    def p_above(self, b):
        return stats.permutation_p(self._ranks(b), self.na, "greater")

    def p_below(self, b):
        return stats.permutation_p(self._ranks(b), self.na, "less")

    def bracket(self):
        return self._lo, self._hi

    def power(self, n, truth, boundary, level):
        return pw.mann_whitney_power(n, abs(truth - boundary), self.var_a, self.var_b, self.k_a, self.k_b, level)


class FactorFit(_PermutationFit):
    """How many times faster a reaches the threshold than b, on the log scale: the r for which b's
    times look like r x a's (an accelerated-failure-time factor). Each p-value is a one-sided
    permutation log-rank test of b against a's times (and censoring point) scaled by r, so runs
    that never reach the threshold count exactly as in the test (censored, never dropped)."""

    test = "log-rank (permutation)"

    def __init__(self, ta, ea, tb, eb, budget: float, seeds: int):
        self.ta, self.ea, self.tb, self.eb = ta, ea > 0, tb, eb > 0
        self.na, self.nb = ta.shape[1], tb.shape[1]
        self.k_a, self.k_b = self.na / seeds, self.nb / seeds
        self.event_fraction = float(np.mean(np.concatenate([self.ea, self.eb], axis=1)))
        self.value_a, self.value_b = survival.restricted_mean(ta, budget), survival.restricted_mean(tb, budget)
        self.estimate = self._estimate()

    def _scaled(self, b) -> np.ndarray:
        return self.ta * np.exp(np.broadcast_to(np.asarray(b, dtype=np.float64), (self.ta.shape[0],)))[:, None]

    def _estimate(self) -> np.ndarray:
        """The log factor where b's O - E against the scaled a changes sign."""
        lo, hi = self.bracket()

        def sign_at(strict: bool):
            def f(b):
                ome = survival.logrank(self.tb, self.eb, self._scaled(b), self.ea, with_p=False).o_minus_e
                return ome > 0 if strict else ome >= 0
            return _bisect(f, lo, hi, steps=24)

        return (sign_at(False) + sign_at(True)) / 2

    def p_above(self, b):  # a more than e^b times faster: b still slower than the scaled a
        return survival.logrank_one_sided(self.tb, self.eb, self._scaled(b), self.ea, "less")

    def p_below(self, b):
        return survival.logrank_one_sided(self.tb, self.eb, self._scaled(b), self.ea, "greater")

    def bracket(self):
        s = self.ta.shape[0]
        return np.full(s, np.log(1e-3)), np.full(s, np.log(1e3))

    def power(self, n, truth, boundary, level):
        return pw.schoenfeld_power(n, abs(truth - boundary), self.event_fraction, self.k_a, self.k_b, level)


class SpreadFit(_PermutationFit):
    """log(sd(a) / sd(b)) across seeds, each agent's runs aligned on its own median (agents that
    differ only in location are not called different in spread). Each p-value is a one-sided
    permutation test of the variance ratio of a's aligned runs divided by e^b against b's."""

    test = "variance-ratio permutation"

    def __init__(self, x: np.ndarray, y: np.ndarray, seeds: int):
        self.xa = x - np.median(x, axis=1, keepdims=True)
        self.ya = y - np.median(y, axis=1, keepdims=True)
        self.na, self.nb = x.shape[1], y.shape[1]
        self.k_a, self.k_b = self.na / seeds, self.nb / seeds
        self.value_a, self.value_b = x.std(axis=1, ddof=1), y.std(axis=1, ddof=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.estimate = np.log(self.value_a / self.value_b)
        self.ok = (np.ptp(self.xa, axis=1) > 0) & (np.ptp(self.ya, axis=1) > 0)

    def _p(self, b, side):
        scale = np.exp(-np.broadcast_to(np.asarray(b, dtype=np.float64), self.ok.shape))[:, None]
        p = stats.variance_ratio_permutation_p(np.concatenate([self.xa * scale, self.ya], axis=1), self.na, side)
        return np.where(self.ok, p, 1.0)

    def p_above(self, b):
        return self._p(b, "greater")

    def p_below(self, b):
        return self._p(b, "less")

    def bracket(self):
        s = self.ok.shape[0]
        return np.full(s, np.log(1e-4)), np.full(s, np.log(1e4))

    def power(self, n, truth, boundary, level):  # var(log sd) ~ 1 / (2 (n - 1)) for normal runs
        se_at_one = np.sqrt(1 / (2 * self.k_a) + 1 / (2 * self.k_b))
        return pw.normal_power(np.maximum(np.asarray(n, dtype=np.float64) - 1, 1e-9), abs(truth - boundary), se_at_one, level)


class ShareFit(Fit):
    """A proportion of runs (0/1 per run) minus the share p0 a uniform choice would give, with the
    exact binomial p-values (the Clopper-Pearson interval inverts them)."""

    test = "exact binomial"

    def __init__(self, x: np.ndarray, p0: float):
        self.n, self.p0 = x.shape[1], p0
        self.k = np.round(x.sum(axis=1)).astype(int)
        self.estimate = self.k / self.n - p0
        self.value_a = self.k / self.n
        self.value_b = np.full(self.k.shape, p0)

    def _p(self, b):
        return np.clip(self.p0 + np.asarray(b, dtype=np.float64), 0.0, 1.0)

    def p_above(self, b):
        return np.where(self.k > 0, sps.binom.sf(self.k - 1, self.n, self._p(b)), 1.0)

    def p_below(self, b):
        return sps.binom.cdf(self.k, self.n, self._p(b))

    def bracket(self):
        s = self.k.shape[0]
        return np.full(s, -self.p0 - 1e-9), np.full(s, 1 - self.p0 + 1e-9)

    def min_p(self, side, b):
        p = min(max(self.p0 + b, 0.0), 1.0)
        return float(p**self.n if side == "above" else (1 - p) ** self.n)

    def floor_reason(self):
        return f"with {self.n} runs no share can be told from {self.p0:.3g} at this level"

    def power(self, n, truth, boundary, level):
        return pw.binomial_power(n, truth + self.p0, boundary + self.p0, level)


class BootstrapFit(Fit):
    """An effect with no closed-form test (e.g. against the median of 27 architectures' means):
    its stratified-bootstrap distribution, every agent's runs resampled on their own. p-values are
    the bootstrap shares beyond the boundary ((1 + count) / (B + 1)); the interval inverts them."""

    test = "stratified bootstrap"

    def __init__(self, estimate: np.ndarray, draws: np.ndarray, value_a: np.ndarray, value_b: np.ndarray, seeds: int):
        self.estimate, self.draws = estimate, draws  # draws: (studies, B)
        self.value_a, self.value_b, self.seeds = value_a, value_b, seeds

    def _b(self, b):
        return np.broadcast_to(np.asarray(b, dtype=np.float64), self.estimate.shape)[:, None]

    def p_above(self, b):
        return (1 + (self.draws <= self._b(b)).sum(axis=1)) / (self.draws.shape[1] + 1)

    def p_below(self, b):
        return (1 + (self.draws >= self._b(b)).sum(axis=1)) / (self.draws.shape[1] + 1)

    def bracket(self):
        return self.draws.min(axis=1) - 1.0, self.draws.max(axis=1) + 1.0

    def min_p(self, side, b):
        return 1.0 / (self.draws.shape[1] + 1)

    def power(self, n, truth, boundary, level):
        se_at_one = float(np.std(self.draws[0], ddof=1)) * np.sqrt(self.seeds)
        return pw.normal_power(n, abs(truth - boundary), se_at_one, level)
