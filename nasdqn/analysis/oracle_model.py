"""One joint model of the reference agent against the oracle's architectures (docs/statistics.md,
"The median and the best architecture: one model").

The reference's mean and the k architectures' means are covered together, with probability at
least 1 - level, by one confidence set: the reference's studentized-bootstrap interval at
REFERENCE_SHARE x level and a Bonferroni box of the architectures' t intervals, each at
(1 - REFERENCE_SHARE) x level / k. Every question about the architectures is a projection of
that one set: "NAS-DQN minus the median architecture" is [low_ref - median(high_k), high_ref -
median(low_k)], "minus the best architecture" the same with the maximum. Because the best is at
least the median at every point of the set, the second interval lies below the first at both
ends: read at one level, their verdicts cannot contradict each other, and the best needs no
selection (the box covers whichever architecture is truly best: no winner's curse).

Why a studentized bootstrap for the reference: NAS-DQN's runs are skewed (runs that fail sit at
the task's worst return), and a t interval of 10 such runs misses the true mean from above
about 2.7 times as often as its nominal end (measured on the committed Acrobot runs); the
bootstrap-t is second-order accurate under skew. The architectures' runs are nearly symmetric
around the median and the best, and the Bonferroni box has room to spare.
"""
from __future__ import annotations

from typing import Callable, Literal

import numpy as np
from scipy import stats as sps

from nasdqn.analysis import effects
from nasdqn.analysis import power as pw

REFERENCE_SHARE = 0.8  # of a level, for the reference's interval; the architectures' box gets the rest (fixed 2026-12-05)
Functional = Literal["median", "max"]
FUNCTIONALS: dict[str, Callable[[np.ndarray], np.ndarray]] = {"median": lambda m: np.median(m, axis=-1), "max": lambda m: m.max(axis=-1)}


def bootstrap_t(x: np.ndarray, draws: int, seed: int) -> np.ndarray:
    """Sorted studentized-bootstrap statistics (mean* - mean) / (sd* / sqrt(n)) of each study's runs
    (studies, n) -> (studies, draws); the same resampling indices for every study (seeded). A
    resample with no spread counts as +-inf (it says nothing about the spread)."""
    n = x.shape[1]
    idx = np.random.default_rng([seed, 31, n]).integers(0, n, (draws, n))
    out = np.empty((x.shape[0], draws))
    for s in range(x.shape[0]):  # one study at a time: (draws, n) stays small
        resampled = x[s][idx]
        shift = resampled.mean(axis=1) - x[s].mean()
        se = resampled.std(axis=1, ddof=1) / np.sqrt(n)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[s] = np.where(se > 0, shift / np.where(se > 0, se, 1.0), np.sign(shift) * np.inf)
    return np.sort(out, axis=1)


def _order_statistic(sorted_t: np.ndarray, q: np.ndarray, upper: bool) -> np.ndarray:
    """The q-quantile of each study's sorted draws, taken outward (the higher order statistic for an
    upper quantile, the lower for a lower one): never narrower than interpolation."""
    pos = q * (sorted_t.shape[1] - 1)
    k = np.ceil(pos) if upper else np.floor(pos)
    return np.take_along_axis(sorted_t, k.astype(np.int64)[:, None], axis=1)[:, 0]


class JointSet:
    """The reference's runs x (studies, n) and the architectures' runs arch (studies, k, m).
    within: where every mean lies for certain (the task's range of returns): each interval is cut
    to it, which cannot lose coverage (a studentized bootstrap of few skewed runs can reach past it)."""

    def __init__(self, x: np.ndarray, arch: np.ndarray, draws: int, seed: int, within: tuple[float, float] | None = None):
        self.within = within
        self.n, self.k, self.m = x.shape[1], arch.shape[1], arch.shape[2]
        self.mean, self.se = x.mean(axis=1), x.std(axis=1, ddof=1) / np.sqrt(self.n)
        self.arch_mean, self.arch_se = arch.mean(axis=2), arch.std(axis=2, ddof=1) / np.sqrt(self.m)
        self.t_star = bootstrap_t(x, draws, seed)
        self.ok = self.se > 0  # a reference without spread has no interval (as Welch's t)

    def bounds(self, level: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(reference low, reference high, architectures' lows, highs) at two-sided `level` per study."""
        level = np.broadcast_to(np.asarray(level, dtype=np.float64), self.mean.shape)
        ref = REFERENCE_SHARE * level
        low = self.mean - _order_statistic(self.t_star, 1 - ref / 2, True) * self.se
        high = self.mean - _order_statistic(self.t_star, ref / 2, False) * self.se
        half = sps.t.ppf(1 - (1 - REFERENCE_SHARE) * level / (2 * self.k), self.m - 1)[:, None] * self.arch_se
        return _cut(low, self.within), _cut(high, self.within), _cut(self.arch_mean - half, self.within), _cut(self.arch_mean + half, self.within)


def _cut(x: np.ndarray, within: tuple[float, float] | None) -> np.ndarray:
    return x if within is None else np.clip(x, *within)


def box(arch: np.ndarray, level: float, within: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The architectures' simultaneous (Bonferroni) t intervals alone, (k, m) -> (lows, highs), cut
    to `within` where given."""
    k, m = arch.shape
    half = sps.t.ppf(1 - level / (2 * k), m - 1) * arch.std(axis=1, ddof=1) / np.sqrt(m)
    return _cut(arch.mean(axis=1) - half, within), _cut(arch.mean(axis=1) + half, within)


def _smallest_level(holds: Callable[[np.ndarray], np.ndarray], studies: int, steps: int = 50) -> np.ndarray:
    """Per study, the smallest two-sided level in [1e-12, 1] at which `holds` (false at small
    levels, true at large ones) is true; 2 where it is false even at 1."""
    lo, hi = np.full(studies, -12.0), np.zeros(studies)
    for _ in range(steps):
        mid = (lo + hi) / 2
        yes = holds(10.0**mid)
        lo, hi = np.where(yes, lo, mid), np.where(yes, mid, hi)
    found = np.where(holds(np.full(studies, 1e-12)), 1e-12, 10.0**hi)
    return np.where(holds(np.ones(studies)), found, 2.0)


class ProjectionFit(effects.Fit):
    """The reference's mean minus a functional (the median, the maximum) of the architectures'
    means, read off the joint set. p_above(b) is half the smallest level at which the interval's low
    end exceeds b (1 where none does), so that the interval at a level and the p-values agree."""

    test = "joint set: bootstrap-t and simultaneous t intervals, projected"

    def __init__(self, joint: JointSet, functional: Functional, seeds: int):
        self.joint, self.f, self.seeds = joint, FUNCTIONALS[functional], seeds
        self.value_a, self.value_b = joint.mean, self.f(joint.arch_mean)
        self.estimate = self.value_a - self.value_b

    def interval(self, level: float) -> tuple[np.ndarray, np.ndarray]:
        ref_low, ref_high, arch_low, arch_high = self.joint.bounds(level)
        low, high = ref_low - self.f(arch_high), ref_high - self.f(arch_low)
        return np.where(self.joint.ok, low, np.nan), np.where(self.joint.ok, high, np.nan)

    def _p(self, clears: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        p = np.minimum(_smallest_level(clears, self.estimate.shape[0]) / 2, 1.0)
        return np.where(self.joint.ok, p, 1.0)

    def p_above(self, b) -> np.ndarray:
        b = np.broadcast_to(np.asarray(b, dtype=np.float64), self.estimate.shape)
        return self._p(lambda level: np.nan_to_num(self.interval(level)[0], nan=-np.inf) > b)

    def p_below(self, b) -> np.ndarray:
        b = np.broadcast_to(np.asarray(b, dtype=np.float64), self.estimate.shape)
        return self._p(lambda level: np.nan_to_num(self.interval(level)[1], nan=np.inf) < b)

    def power(self, n, truth, boundary, level):
        """Normal approximation, the standard error scaled from this study's 95% interval."""
        low, high = (float(v[0]) for v in self.interval(0.05))
        se_at_one = (high - low) / (2 * sps.norm.ppf(0.975)) * np.sqrt(self.seeds)
        return pw.normal_power(n, abs(truth - boundary), se_at_one, level)
