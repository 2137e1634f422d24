"""The oracle's ranking: rank intervals that hold for every architecture together."""
from __future__ import annotations

import numpy as np

from nasdqn.analysis import oracle


def test_rank_intervals_hold_separated_architectures_apart():
    rng = np.random.default_rng(2)
    values = {"best": rng.normal(10, 0.1, 10), "mid_a": rng.normal(5, 0.1, 10), "mid_b": rng.normal(5, 0.1, 10),
              "worst": rng.normal(0, 0.1, 10)}
    ranked = {r.agent: r for r in oracle.ranking(values, 0.05)}
    assert (ranked["best"].rank, ranked["best"].rank_low, ranked["best"].rank_high) == (1, 1, 1)
    assert ranked["worst"].rank_low == ranked["worst"].rank_high == 4
    assert (ranked["mid_a"].rank_low, ranked["mid_a"].rank_high) == (2, 3)
    assert ranked["best"].ci_low < 10 < ranked["best"].ci_high
