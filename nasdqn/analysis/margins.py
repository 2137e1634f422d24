"""The decision settings (the config's `analysis` section) and the margins fixed in advance.

A margin is the smallest effect of interest on a metric's scale, the same for every claim and
variant (docs/statistics.md argues each value):
- return: return_margin x the task's return range (analysis.return_range, [worst, best]): final
  performance, peak, stability, drawdown, the oracle comparisons;
- ratio: log(ratio_margin): speed (time to threshold), wall time, spread across seeds;
- share: share_margin, in absolute units: shares of picks, of visits, of runs;
- bits: share_margin x log2(27), the entropy of 27 equally used architectures.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Literal

from scipy import stats as sps

from nasdqn.settings.errors import ConfigError

Scale = Literal["return", "ratio", "share", "bits"]
MAX_ENTROPY_BITS = math.log2(27)


@dataclass(frozen=True)
class DecisionSettings:
    """The `analysis` section of the config (docs/statistics.md argues each value)."""

    alpha: float = 0.05
    power: float = 0.8
    max_seeds: int = 100
    factor_tolerance: float = 1.5  # "about F x" = between F / tol and F x tol
    ratio_margin: float = 1.25  # the margin of every ratio (speed, wall time, spread): "comparable" is [1/m, m]
    return_range: tuple[float, float] = (-200.8, 200.0)  # the task's worst and best episode return (the pendulum's)
    return_margin: float = 0.05  # the margin of every return metric, as a share of return_range
    share_margin: float = 0.05  # the margin of every share (picks, visits, runs), absolute
    bootstrap_samples: int = 10_000
    bootstrap_seed: int = 20240101

    @classmethod
    def from_config(cls, section: dict) -> "DecisionSettings":
        """From the config's analysis section (unknown keys are an error: the schema forbids them)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(section) - known)
        if unknown:
            raise ValueError(f"analysis settings: unknown key(s) {', '.join(unknown)}")
        values = dict(section)
        if "return_range" in values:
            low, high = (float(v) for v in values["return_range"])
            if not low < high:
                raise ConfigError(f"config key 'analysis.return_range': expected [worst, best] with worst < best, got {list(values['return_range'])}")
            values["return_range"] = (low, high)
        return cls(**values)

    @property
    def z_crit(self) -> float:
        return float(sps.norm.ppf(1 - self.alpha / 2))

    def margin(self, scale: Scale) -> float:
        """The smallest effect of interest on this scale (on the log scale for ratios)."""
        if scale == "return":
            low, high = self.return_range
            return self.return_margin * (high - low)
        if scale == "ratio":
            return math.log(self.ratio_margin)
        if scale == "share":
            return self.share_margin
        return self.share_margin * MAX_ENTROPY_BITS

    def margin_text(self, scale: Scale) -> str:
        """The margin as a reader would quote it."""
        if scale == "return":
            low, high = self.return_range
            return f"{self.margin('return'):.3g} return ({100 * self.return_margin:g}% of [{low:g}, {high:g}])"
        if scale == "ratio":
            return f"a ratio of {self.ratio_margin:g}"
        if scale == "share":
            return f"{100 * self.share_margin:g} percentage points"
        return f"{self.margin('bits'):.2g} bits ({100 * self.share_margin:g}% of log2 27)"
