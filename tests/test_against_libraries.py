"""Every hand-written statistic held against a maintained library (docs/statistics.md, "Checked
against libraries"): scipy's binomtest interval and p-values, mannwhitneyu, bootstrap with the
same draws, ttest_1samp and ttest_ind intervals, permutation_test; statsmodels' multipletests and
power functions (statsmodels is a test-only dependency: the `test` extra). The tolerances are the
largest differences measured (docs/statistics.md quotes them), with room for the last bits."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from nasdqn.analysis import decision, effects, power, stats

statsmodels = pytest.importorskip("statsmodels", reason="statsmodels is the test extra's (pip install -e '.[test]')")
from statsmodels.stats.multitest import multipletests  # noqa: E402
from statsmodels.stats.nonparametric import samplesize_rank_compare_onetail  # noqa: E402
from statsmodels.stats.power import NormalIndPower, TTestIndPower, TTestPower  # noqa: E402


# ----- exact binomial --------------------------------------------------------------------------------
@pytest.mark.parametrize("alpha", [0.05, 0.05 / 3, 0.01])
def test_clopper_pearson_is_scipys_exact_binomtest_interval(alpha):
    for n in (1, 3, 10, 27, 60):
        for k in range(n + 1):
            ci = sps.binomtest(k, n).proportion_ci(confidence_level=1 - alpha, method="exact")
            low, high = stats.clopper_pearson(k, n, alpha)
            assert low == pytest.approx(ci.low, abs=1e-12) and high == pytest.approx(ci.high, abs=1e-12), (k, n)


def test_share_fit_p_values_and_interval_are_binomtests():
    n, p0 = 10, 5 / 27
    x = (np.arange(n)[None, :] < np.arange(n + 1)[:, None]).astype(float)  # k = 0..10 successes
    fit = effects.ShareFit(x, p0)
    for k in range(n + 1):
        assert fit.p_above(0.0)[k] == pytest.approx(sps.binomtest(k, n, p0, alternative="greater").pvalue, abs=1e-12)
        assert fit.p_below(0.0)[k] == pytest.approx(sps.binomtest(k, n, p0, alternative="less").pvalue, abs=1e-12)
    low, high = fit.interval(0.05)
    for k in range(1, n):  # the ends are found by bisection: 1e-9 of a share
        ci = sps.binomtest(k, n).proportion_ci(0.95, method="exact")
        assert low[k] + p0 == pytest.approx(ci.low, abs=1e-9) and high[k] + p0 == pytest.approx(ci.high, abs=1e-9)


# ----- ranks ----------------------------------------------------------------------------------------
def test_shift_fit_p_values_are_mannwhitneyus_exact_ones():
    rng = np.random.default_rng(4)
    x, y = rng.normal(0.5, 1, (40, 5)), rng.normal(0, 1, (40, 6))  # continuous: no ties
    fit = effects.ShiftFit(x, y, 5)
    for side, ours in (("greater", fit.p_above(0.0)), ("less", fit.p_below(0.0))):
        ref = sps.mannwhitneyu(x, y, alternative=side, axis=1, method="exact").pvalue
        assert np.allclose(ours, ref, rtol=0, atol=1e-12)
    shifted = sps.mannwhitneyu(x - 0.3, y, alternative="greater", axis=1, method="exact").pvalue
    assert np.allclose(fit.p_above(0.3), shifted, rtol=0, atol=1e-12)


def test_probability_of_improvement_is_the_mann_whitney_u_over_n_a_n_b():
    rng = np.random.default_rng(5)
    for _ in range(20):
        a, b = np.round(rng.normal(0, 1, 7), 1), np.round(rng.normal(0.2, 1, 9), 1)  # rounded: ties count one half
        u = sps.mannwhitneyu(a, b).statistic
        assert stats.probability_of_improvement(a, b)[0] == pytest.approx(u / (a.size * b.size), abs=1e-15)


# ----- bootstrap with the same draws -----------------------------------------------------------------
@pytest.mark.parametrize("statistic, groups", [
    (stats.iqm, [np.arange(10.0) ** 1.5]),
    (stats.probability_of_improvement, [np.arange(10.0), np.array([1.0, 5, 2, 8, 3, 9])]),
], ids=["iqm", "probability of improvement (stratified)"])
def test_bootstrap_interval_is_scipys_percentile_bootstrap_with_the_same_draws(statistic, groups):
    ours = stats.bootstrap_interval(statistic, groups, np.random.default_rng(7), 2000, 0.05)
    ref = sps.bootstrap(groups, lambda *g, axis=-1: statistic(*g), n_resamples=2000, method="percentile",
                        confidence_level=0.95, rng=np.random.default_rng(7), vectorized=True).confidence_interval
    # the same draws (scipy draws each group in turn, as we do), the same interval but for the last bits of the
    # percentile's interpolation: the project keeps its own code so that its tables keep their bytes
    assert ours == pytest.approx((ref.low, ref.high), rel=1e-14, abs=0)


# ----- t intervals ----------------------------------------------------------------------------------
def test_mean_interval_and_the_one_sample_fit_are_ttest_1samps():
    rng = np.random.default_rng(6)
    x = rng.normal(3, 2, (30, 7))
    mean, low, high = stats.mean_interval(x, 0.05)
    ci = sps.ttest_1samp(x, 0.0, axis=1).confidence_interval(0.95)
    assert np.allclose(low, ci.low, rtol=0, atol=1e-12) and np.allclose(high, ci.high, rtol=0, atol=1e-12)
    fit = effects.OneSampleFit(x, offset=1.0)
    assert np.allclose(fit.p_above(0.5), sps.ttest_1samp(x, 1.5, axis=1, alternative="greater").pvalue, rtol=0, atol=1e-12)
    assert np.allclose(fit.p_below(0.5), sps.ttest_1samp(x, 1.5, axis=1, alternative="less").pvalue, rtol=0, atol=1e-12)
    low, high = fit.interval(0.05 / 3)
    ci = sps.ttest_1samp(x, 1.0, axis=1).confidence_interval(1 - 0.05 / 3)
    assert np.allclose(low, ci.low - 1.0, rtol=0, atol=1e-12) and np.allclose(high, ci.high - 1.0, rtol=0, atol=1e-12)


def test_welch_fit_at_any_boundary_is_ttest_ind_on_shifted_runs():
    rng = np.random.default_rng(7)
    x, y = rng.normal(1, 1, (30, 5)), rng.normal(0, 3, (30, 8))
    fit = effects.WelchFit(x, y, 5)
    ref = sps.ttest_ind(x - 2.0, y, axis=1, equal_var=False, alternative="less").pvalue
    assert np.allclose(fit.p_below(2.0), ref, rtol=0, atol=1e-12)
    low, high = fit.interval(0.01)
    ci = sps.ttest_ind(x, y, axis=1, equal_var=False).confidence_interval(0.99)
    assert np.allclose(low, ci.low, rtol=0, atol=1e-12) and np.allclose(high, ci.high, rtol=0, atol=1e-12)


def test_variance_ratio_permutation_p_is_scipys_permutation_test():
    rng = np.random.default_rng(8)
    a, b = rng.normal(0, 1, 4), rng.normal(0, 3, 5)

    def log_ratio(x, y, axis):
        return np.log(x.var(axis=axis, ddof=1)) - np.log(y.var(axis=axis, ddof=1))

    ref = sps.permutation_test((a, b), log_ratio, vectorized=True, permutation_type="independent", n_resamples=np.inf,
                               alternative="less").pvalue
    assert stats.variance_ratio_permutation_p(np.concatenate([a, b])[None], 4, "less")[0] == pytest.approx(ref, abs=1e-12)


# ----- multiplicity ---------------------------------------------------------------------------------
def test_holm_is_statsmodels_multipletests():
    rng = np.random.default_rng(9)
    p = rng.uniform(0, 0.1, (40, 6)) ** rng.uniform(0.5, 2, (40, 1))
    ours = stats.holm(p, axis=1)
    for row, mine in zip(p, ours):
        assert np.allclose(mine, multipletests(row, alpha=0.05, method="holm")[1], rtol=0, atol=1e-15)


def test_holm_levels_reject_what_multipletests_rejects():
    """decision.holm_levels gives each claim Holm's step level and whether the step-down passed it:
    the passed set is statsmodels' rejection set at the same alpha."""
    rng = np.random.default_rng(10)
    p = rng.uniform(0, 0.06, (60, 5))
    _, passed = decision.holm_levels(p, 0.05)
    expected = np.stack([multipletests(row, alpha=0.05, method="holm")[0] for row in p])
    assert (passed == expected).all()


# ----- power ----------------------------------------------------------------------------------------
def test_t_and_normal_power_are_statsmodels():
    n = np.arange(2, 60).astype(float)
    for d, level in ((0.4, 0.025), (1.0, 0.05 / 12), (2.5, 0.05)):
        welch = power.welch_power(n, d, 1.0, 1.0, 1.0, 1.0, level)  # equal variances and groups: df 2 (n - 1), the pooled t
        ref = np.array([TTestIndPower().power(d, k, level, ratio=1.0, alternative="larger") for k in n])
        assert np.allclose(welch, ref, rtol=0, atol=1e-12)
        one = power.one_sample_power(n, d, 1.0, level)
        ref = np.array([TTestPower().power(d, k, level, alternative="larger") for k in n])
        assert np.allclose(one, ref, rtol=0, atol=1e-12)
        normal = power.normal_power(n, d, 2.0, level)
        ref = np.array([NormalIndPower().power(d / 2.0, k, level, ratio=0.0, alternative="larger") for k in n])
        assert np.allclose(normal, ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("shift", [0.5, 1.0, 1.5, 2.0])
def test_mann_whitney_seeds_are_noethers_a_few_above_statsmodels(shift):
    """Noether's formula (ours) takes the rank statistic's variance under no difference;
    statsmodels' (Happ et al., 2019) the one under the alternative, which is smaller and nearer a
    Monte Carlo of scipy's mannwhitneyu: ours asks for 3 more seeds per agent at these shifts
    (conservative), never fewer. statsmodels gets the normal distribution as 20,000 quantiles."""
    q = sps.norm.ppf((np.arange(20_000) + 0.5) / 20_000)
    ref = samplesize_rank_compare_onetail(q + shift, q, alpha=0.025, power=0.8, alternative="larger")
    n = np.arange(2, 500)
    ours = int(n[np.argmax(power.mann_whitney_power(n, shift, 1.0, 1.0, 1.0, 1.0, 0.025) >= 0.8)])
    assert int(np.ceil(ref.nobs_treat)) <= ours <= int(np.ceil(ref.nobs_treat)) + 3


@pytest.mark.parametrize("boundary, truth", [(5 / 27, 0.5), (5 / 27, 0.05), (0.3, 0.6), (0.6, 0.3)])
def test_binomial_power_is_the_power_of_scipys_binomtest(boundary, truth):
    """The exact power: the probability at the truth of every outcome k whose binomtest p-value
    (one-sided, towards the truth) is at most the level."""
    side = "greater" if truth > boundary else "less"
    n = np.arange(2, 61)
    ours = power.binomial_power(n, truth, boundary, 0.025)
    for runs, mine in zip(n, ours):
        k = np.arange(runs + 1)
        reject = np.array([sps.binomtest(int(x), int(runs), boundary, alternative=side).pvalue <= 0.025 for x in k])
        assert mine == pytest.approx(float(sps.binom.pmf(k, runs, truth)[reject].sum()), abs=1e-12)
