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


def test_one_sided_permutation_p_halves_the_symmetric_two_sided_one():
    rng = np.random.default_rng(2)
    scores = rng.normal(size=(30, 8))
    two = stats.permutation_p(scores, 4)
    greater, less = stats.permutation_p(scores, 4, "greater"), stats.permutation_p(scores, 4, "less")
    assert np.allclose(np.minimum(greater, less) * 2, two)  # 4 vs 4: a split and its complement negate the statistic
    assert np.all(greater + less >= 1.0)  # the observed split counts on both sides
    assert stats.min_permutation_p(3, 3, "greater") == pytest.approx(1 / 20)


def test_variance_ratio_permutation_is_one_sided_when_asked():
    rng = np.random.default_rng(3)
    tight, wide = rng.normal(0, 1, (200, 10)), rng.normal(0, 5, (200, 10))
    p_less = stats.variance_ratio_permutation_p(np.concatenate([tight, wide], axis=1), 10, "less")
    p_greater = stats.variance_ratio_permutation_p(np.concatenate([tight, wide], axis=1), 10, "greater")
    assert np.mean(p_less < 0.05) > 0.9 and np.mean(p_greater < 0.05) == 0


def test_iqm_and_probability_of_improvement():
    x = np.array([0.0, 1, 2, 3, 4, 5, 6, 100])
    assert stats.iqm(x) == pytest.approx(np.mean([2, 3, 4, 5]))
    assert stats.probability_of_improvement(np.array([2.0, 3]), np.array([1.0, 2]))[0] == pytest.approx((1 + 1 + 0.5 + 1) / 4)


def test_bootstrap_interval_is_seeded():
    x = np.arange(10.0)
    one = stats.bootstrap_interval(stats.iqm, [x], np.random.default_rng(7), 2000, 0.05)
    two = stats.bootstrap_interval(stats.iqm, [x], np.random.default_rng(7), 2000, 0.05)
    assert one == two and one[0] < stats.iqm(x) < one[1]
