"""Claim kinds: what the paper's words allow, as regions of one interval.

Every comparison is judged on one interval of its effect, oriented so that the claimed direction
is positive, against zero and the margin delta fixed in advance (docs/statistics.md):

| kind | the paper says | supported when the interval lies in | contradicted when it lies in |
|---|---|---|---|
| better | "A beats B", "highest", "lowest" | (0, inf) | (-inf, delta): no advantage as large as the margin (this includes "equivalent") |
| much_better | "substantially", "much", "pronounced" | (delta, inf) | (-inf, delta) |
| slightly_better | "slightly faster" | (0, delta) | (-inf, 0) or (delta, inf) |
| about | "about F x" | (log F - log tol, log F + log tol) | entirely below or above that band |
| comparable | "comparable" | (-delta, delta) | entirely below or above it |
| not_worse | "negligible cost", "within the margin of the best", "maintains it" | (-delta, inf) | (-inf, -delta) |

Contradiction is checked first: an interval that excludes both zero and every advantage as large
as the margin (significant, but smaller than what matters) contradicts "better"; the report's
reading says "higher, by less than the margin". With these regions each verdict is a pair of
one-sided tests of the same interval's two ends at the same level, and a new kind is one entry
in KINDS.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Literal

import numpy as np

KindName = Literal["better", "much_better", "slightly_better", "about", "comparable", "not_worse"]
INF = math.inf


@dataclass(frozen=True)
class Judgement:
    """Regions on the oriented effect: support needs the interval inside (support_low,
    support_high); contradiction needs it entirely below contradict_below or entirely above
    contradict_above (None: no such side). `stated` is the effect the seeds it would take are
    computed for (the claim true at its stated size)."""

    kind: KindName
    support_low: float
    support_high: float
    contradict_below: float | None
    contradict_above: float | None
    stated: float

    def p_support(self, p_above, p_below) -> np.ndarray:
        """The level at which the interval's ends clear the support region (max over the ends)."""
        parts = [p_above(self.support_low)] if self.support_low > -INF else []
        parts += [p_below(self.support_high)] if self.support_high < INF else []
        return np.maximum.reduce(parts)

    def p_contradict(self, p_above, p_below) -> np.ndarray:
        """The level at which the interval lies entirely in a contradiction region (min over them)."""
        parts = [p_below(self.contradict_below)] if self.contradict_below is not None else []
        parts += [p_above(self.contradict_above)] if self.contradict_above is not None else []
        return np.minimum.reduce(parts)

    def support_ends(self) -> list[tuple[str, float]]:
        """("above", b): the interval's low end must exceed b; ("below", b): its high end under b."""
        ends = [("above", self.support_low)] if self.support_low > -INF else []
        return ends + ([("below", self.support_high)] if self.support_high < INF else [])

    def contradiction_ends(self) -> list[tuple[str, float]]:
        ends = [("below", self.contradict_below)] if self.contradict_below is not None else []
        return ends + ([("above", self.contradict_above)] if self.contradict_above is not None else [])

    def reading(self, low: float, high: float, margin: float) -> str:
        """Where the oriented interval lies: against the band for a bounded support region, else
        against zero and the margin, in words."""
        if np.isnan(low) or np.isnan(high) or not (np.isfinite(low) or np.isfinite(high)):
            return "undetermined (no interval)"
        if self.support_low > -INF and self.support_high < INF:
            if low >= self.support_low and high <= self.support_high:
                return "inside the band"
            return "outside the band" if high < self.support_low or low > self.support_high else "overlaps the band's edge"
        if low > margin:
            return "better, beyond the margin"
        if low > 0:
            return "better, by less than the margin" if high < margin else "better"
        if high < -margin:
            return "worse, beyond the margin"
        if high < 0:
            return "worse, by less than the margin" if low > -margin else "worse"
        if -margin < low and high < margin:
            return "equivalent within the margin"
        return "undetermined"


Maker = Callable[[float, float | None, float], Judgement]


def _better(delta, factor, tol):
    return Judgement("better", 0.0, INF, delta, None, delta)


def _much(delta, factor, tol):
    return Judgement("much_better", delta, INF, delta, None, 2 * delta)


def _slightly(delta, factor, tol):
    return Judgement("slightly_better", 0.0, delta, 0.0, delta, delta / 2)


def _about(delta, factor, tol):
    assert factor is not None, "an 'about F x' claim needs its factor"
    low, high = math.log(factor / tol), math.log(factor * tol)
    return Judgement("about", low, high, low, high, math.log(factor))


def _comparable(delta, factor, tol):
    return Judgement("comparable", -delta, delta, -delta, delta, 0.0)


def _not_worse(delta, factor, tol):
    return Judgement("not_worse", -delta, INF, -delta, None, 0.0)


KINDS: dict[str, Maker] = {"better": _better, "much_better": _much, "slightly_better": _slightly, "about": _about,
                           "comparable": _comparable, "not_worse": _not_worse}


def judgement(kind: KindName, delta: float, factor: float | None = None, tolerance: float = 1.5) -> Judgement:
    return KINDS[kind](delta, factor, tolerance)


def wrong_when_equal(j: Judgement) -> Literal["supported", "contradicted"]:
    """Which verdict is wrong when the agents are identical (effect 0): "supported" unless zero lies
    strictly inside the support region (then "contradicted" is the wrong one)."""
    return "contradicted" if j.support_low < 0 < j.support_high else "supported"
