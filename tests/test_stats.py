"""Two-sample tests, Holm, power and robust aggregates against scipy and by hand."""
import numpy as np
import pytest
from scipy import stats as sps

from nasdqn.analysis import stats


def test_welch_equals_scipy_with_its_interval():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(50, 4)), rng.normal(1, 2, size=(50, 6))
    ours = stats.welch(a, b, 0.05)
    ref = sps.ttest_ind(a, b, axis=1, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert np.allclose(ours.p, ref.pvalue) and np.allclose(ours.ci_low, ci.low) and np.allclose(ours.ci_high, ci.high)


def test_welch_without_variance_gives_no_evidence():
    res = stats.welch(np.ones(3), np.ones(3), 0.05)
    assert res.p[0] == 1.0 and np.isnan(res.ci_low[0])


def test_holm_matches_the_step_down_definition():
    p = np.array([0.01, 0.04, 0.03, 0.5])
    # sorted 0.01, 0.03, 0.04, 0.5 -> x4, x3, x2, x1 with running maximum
    assert np.allclose(stats.holm(p), [0.04, 0.09, 0.09, 0.5])
    assert np.allclose(stats.holm(np.array([[0.01, np.nan]]), axis=1), [[0.02, 1.0]])


def test_permutation_p_equals_scipy_permutation_test():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=4), rng.normal(0.5, 1, size=5)
    # two-sided as |statistic| >= |observed| (scipy's default doubles the smaller one-sided p instead)
    ref = sps.permutation_test((a, b), lambda x, y, axis: np.abs(x.mean(axis) - y.mean(axis)), vectorized=True,
                               permutation_type="independent", n_resamples=np.inf, alternative="greater").pvalue
    assert stats.permutation_p(np.concatenate([a, b])[None], 4)[0] == pytest.approx(ref)


def test_spread_test_sees_a_tighter_agent_and_ignores_location():
    rng = np.random.default_rng(2)
    tight, wide = rng.normal(0, 1, (200, 10)), rng.normal(100, 5, (200, 10))
    res = stats.spread(tight, wide)
    assert np.mean(res.p < 0.05) > 0.9 and np.all(res.estimate < 1)
    same = stats.spread(rng.normal(0, 1, (400, 10)), rng.normal(100, 1, (400, 10)))
    assert np.mean(same.p < 0.05) < 0.09


def test_seed_counts_follow_the_effect():
    assert stats.seeds_for_t_test(2.0, 0.05, 0.8) < stats.seeds_for_t_test(1.0, 0.05, 0.8) < stats.seeds_for_t_test(0.5, 0.05, 0.8)
    assert stats.seeds_for_t_test(1.0, 0.05, 0.8) == 17  # the textbook value for d = 1
    assert stats.seeds_for_t_test(0.05, 0.05, 0.8) is None and stats.seeds_for_t_test(0.0, 0.05, 0.8) is None
    assert stats.seeds_for_logrank(np.log(2), 1.0, 0.05, 0.8) == 33  # Schoenfeld: 66 events for HR 2
    assert 1.2 < stats.detectable_effect(10, 0.05, 0.8) < 1.4


def test_iqm_and_probability_of_improvement():
    x = np.array([0.0, 1, 2, 3, 4, 5, 6, 100])
    assert stats.iqm(x) == pytest.approx(np.mean([2, 3, 4, 5]))
    assert stats.probability_of_improvement(np.array([2.0, 3]), np.array([1.0, 2]))[0] == pytest.approx((1 + 1 + 0.5 + 1) / 4)


def test_bootstrap_interval_is_seeded():
    x = np.arange(10.0)
    one = stats.bootstrap_interval(stats.iqm, [x], np.random.default_rng(7), 2000, 0.05)
    two = stats.bootstrap_interval(stats.iqm, [x], np.random.default_rng(7), 2000, 0.05)
    assert one == two and one[0] < stats.iqm(x) < one[1]
