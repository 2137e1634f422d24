"""The oracle's analysis: the share of variance architecture explains, rank intervals, and the
best architecture in hindsight selected on one half of the seeds and estimated on the other."""
from __future__ import annotations

import numpy as np
import pytest

from nasdqn.analysis import oracle


def omega_squared_by_hand(groups):
    k, n = len(groups), sum(len(g) for g in groups)
    grand = np.mean(np.concatenate(groups))
    ss_b = sum(len(g) * (np.mean(g) - grand) ** 2 for g in groups)
    ss_w = sum(((np.asarray(g) - np.mean(g)) ** 2).sum() for g in groups)
    ms_w = ss_w / (n - k)
    return (ss_b - (k - 1) * ms_w) / (ss_b + ss_w + ms_w)


def test_variance_share_is_omega_squared_with_an_interval_around_it():
    rng = np.random.default_rng(0)
    groups = {f"a{i}": rng.normal(i, 1.0, 10) for i in range(27)}
    est, low, high = oracle.variance_share(groups)
    assert est == pytest.approx(omega_squared_by_hand(list(groups.values())))
    assert 0 < low < est < high < 1
    # location and scale do not change a share
    again = oracle.variance_share({k: 3 * v + 7 for k, v in groups.items()})
    assert np.allclose(again, (est, low, high))


def test_no_architecture_effect_gives_a_share_near_zero():
    rng = np.random.default_rng(1)
    est, low, high = oracle.variance_share([rng.normal(0, 1, 10) for _ in range(27)])
    assert low == 0.0 and est < 0.1 and high < 0.25


@pytest.mark.parametrize("true_share", [0.0, 0.2, 0.5])
def test_the_interval_covers_the_true_share(true_share):
    """95% intervals over 200 simulated oracles (27 architectures x 10 seeds, bimodal outcomes)."""
    rng = np.random.default_rng(int(10 * true_share))
    mus = rng.normal(size=27)
    mus = (mus - mus.mean()) / mus.std()
    between = np.sqrt(true_share / (1 - true_share))
    covered = 0
    for _ in range(200):
        fail = rng.random((27, 10)) < 0.3
        noise = np.where(fail, rng.normal(-2.0, 0.5, fail.shape), rng.normal(0.857, 0.2, fail.shape))
        noise = noise / np.sqrt(0.3 * 4.25 + 0.7 * (0.857**2 + 0.04))  # unit variance (mean 0)
        _, low, high = oracle.variance_share(list(between * mus[:, None] + noise))
        covered += (low <= true_share <= high) if true_share > 0 else (low == 0.0)
    assert covered / 200 >= 0.9


def test_variance_share_rejects_what_it_cannot_use():
    with pytest.raises(ValueError, match="at least 2 architectures"):
        oracle.variance_share([[1.0, 2.0]])
    with pytest.raises(ValueError, match="at least 2 runs"):
        oracle.variance_share([[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match="finite"):
        oracle.variance_share([[1.0, np.nan], [3.0, 4.0]])
    assert oracle.variance_share([[1.0, 1.0], [1.0, 1.0]]) == (0.0, 0.0, 0.0)


def test_rank_intervals_hold_separated_architectures_apart():
    rng = np.random.default_rng(2)
    values = {"best": rng.normal(10, 0.1, 10), "mid_a": rng.normal(5, 0.1, 10), "mid_b": rng.normal(5, 0.1, 10),
              "worst": rng.normal(0, 0.1, 10)}
    ranked = {r.agent: r for r in oracle.ranking(values, 0.05)}
    assert (ranked["best"].rank, ranked["best"].rank_low, ranked["best"].rank_high) == (1, 1, 1)
    assert ranked["worst"].rank_low == ranked["worst"].rank_high == 4
    assert (ranked["mid_a"].rank_low, ranked["mid_a"].rank_high) == (2, 3)
    assert ranked["best"].ci_low < 10 < ranked["best"].ci_high


def test_the_best_in_hindsight_is_chosen_on_half_the_seeds():
    values = {"a": {0: 9.0, 1: 9.0, 2: 1.0, 3: 1.0}, "b": {0: 5.0, 1: 5.0, 2: 5.0, 3: 5.0}}
    best, select, estimate = oracle.best_in_hindsight(values)
    assert (best, select, estimate) == ("a", [0, 1], [2, 3])  # a wins the selection half, and is estimated on 2 and 3
    assert oracle.best_in_hindsight({"a": {0: 1.0, 1: 2.0}}) is None
