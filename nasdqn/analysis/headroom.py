"""The fair test's screening criterion (docs/assumptions.md, "Fair test"): how much a search that
found the best architecture at no cost could gain over the median fixed design.

From the oracle's runs of one candidate task (the 27 architectures as fixed agents): the best
architecture is selected on some seeds (the highest mean outcome) and its mean on other, held-out
seeds is compared with the median of the 27 architectures' held-out means. Selecting and
estimating on disjoint seeds keeps the winner's curse out of the estimate. The candidate has
headroom when that **exploitable gain** is at least `factor` margins.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SELECT_SEEDS = (0, 1)
HELD_OUT_SEEDS = (2, 3)
HEADROOM_FACTOR = 2.0  # the gain must be at least twice the margin


@dataclass(frozen=True)
class Headroom:
    task: str
    outcome: str
    best: str  # the architecture agent with the highest mean on the selection seeds
    best_selection: float  # its mean there (biased upward: it was selected on them)
    best_held_out: float  # its mean on the held-out seeds
    median_held_out: float  # the median of the 27 architectures' held-out means
    gain: float  # best_held_out - median_held_out
    margin: float
    factor: float

    @property
    def passes(self) -> bool:
        return bool(self.gain >= self.factor * self.margin)

    def row(self) -> dict:
        return {**self.__dict__, "threshold": self.factor * self.margin, "passes": self.passes}


def exploitable_gain(task: str, per_run: pd.DataFrame, architectures: list[str], margin: float, outcome: str = "greedy_final",
                     select: tuple[int, ...] = SELECT_SEEDS, held_out: tuple[int, ...] = HELD_OUT_SEEDS,
                     factor: float = HEADROOM_FACTOR) -> Headroom:
    """The criterion on one task's per-run table (columns agent, seed and `outcome`); the
    architectures in search-space order (ties go to the first)."""
    runs = per_run[per_run["agent"].isin(architectures)]
    missing = [(a, s) for a in architectures for s in (*select, *held_out) if not ((runs["agent"] == a) & (runs["seed"] == s)).any()]
    if missing:
        raise ValueError(f"{task}: the screening lacks runs {missing[:3]}{' ...' if len(missing) > 3 else ''}")
    means = {part: runs[runs["seed"].isin(seeds)].groupby("agent")[outcome].mean().reindex(architectures)
             for part, seeds in (("select", select), ("held_out", held_out))}
    best = architectures[int(np.argmax(means["select"].to_numpy()))]
    held = means["held_out"]
    median = float(np.median(held.to_numpy()))
    return Headroom(task, outcome, best, float(means["select"][best]), float(held[best]), median, float(held[best]) - median,
                    float(margin), factor)
