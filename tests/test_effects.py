"""Every comparison method's interval inverts its own one-sided p-values (so the verdict read from
the p-values is the one read off the interval), and each equals a reference computation."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from nasdqn.analysis import effects, judgements, stats


def test_welch_interval_and_p_values_are_scipys():
    rng = np.random.default_rng(0)
    x, y = rng.normal(1, 1, (20, 5)), rng.normal(0, 3, (20, 7))
    fit = effects.WelchFit(x, y, 5)
    ref = sps.ttest_ind(x, y, axis=1, equal_var=False, alternative="greater")
    assert np.allclose(fit.p_above(0.0), ref.pvalue)
    low, high = fit.interval(0.05)
    ci = sps.ttest_ind(x, y, axis=1, equal_var=False).confidence_interval(0.95)
    assert np.allclose(low, ci.low) and np.allclose(high, ci.high)
    assert np.allclose(fit.p_above(low), 0.025) and np.allclose(fit.p_below(high), 0.025)


@pytest.mark.parametrize("make", [
    lambda x, y: effects.ShiftFit(x, y, x.shape[1]),
    lambda x, y: effects.SpreadFit(x, y, x.shape[1]),
    lambda x, y: effects.FactorFit(np.round(np.exp(x)), np.ones_like(x), np.round(np.exp(y)), np.ones_like(y), 1e9, x.shape[1]),
], ids=["shift", "spread", "factor"])
def test_permutation_intervals_invert_their_p_values(make):
    rng = np.random.default_rng(1)
    fit = make(rng.normal(5, 1, (6, 8)), rng.normal(4, 2, (6, 8)))
    low, high = fit.interval(0.1)
    for s in range(6):
        if np.isfinite(low[s]):
            assert fit.p_above(low[s] - 1e-6)[s] <= 0.05 < fit.p_above(low[s] + 1e-3)[s] + 1e-12
        if np.isfinite(high[s]):
            assert fit.p_below(high[s] + 1e-6)[s] <= 0.05
        assert low[s] <= fit.estimate[s] <= high[s] or not np.isfinite(fit.estimate[s])


def test_shift_is_the_hodges_lehmann_estimate():
    x, y = np.array([[1.0, 2.0, 9.0]]), np.array([[0.0, 1.0, 1.5]])
    fit = effects.ShiftFit(x, y, 3)
    assert fit.estimate[0] == pytest.approx(np.median((x[0][:, None] - y[0][None, :]).ravel()))
    assert fit.min_p("above", 0.0) == pytest.approx(1 / 20)


def test_share_interval_is_clopper_pearson():
    fit = effects.ShareFit(np.array([[1.0, 0, 1, 1, 0, 0, 0, 0, 0, 0]]), 0.2)
    low, high = fit.interval(0.05)
    cp = stats.clopper_pearson(3, 10, 0.05)
    assert low[0] + 0.2 == pytest.approx(cp[0], abs=1e-6) and high[0] + 0.2 == pytest.approx(cp[1], abs=1e-6)
    assert fit.min_p("above", 0.0) == pytest.approx(0.2**10)


def test_judgement_regions():
    better = judgements.judgement("better", 2.0)
    assert better.support_ends() == [("above", 0.0)] and better.contradiction_ends() == [("below", 2.0)]
    about = judgements.judgement("about", 0.2, factor=3.0, tolerance=1.5)
    assert np.exp(about.support_low) == pytest.approx(2.0) and np.exp(about.support_high) == pytest.approx(4.5)
    assert judgements.wrong_when_equal(judgements.judgement("comparable", 0.2)) == "contradicted"
    assert judgements.wrong_when_equal(judgements.judgement("much_better", 0.2)) == "supported"
    assert better.reading(0.5, 1.5, 2.0) == "better, by less than the margin"
    assert better.reading(-1.0, 1.0, 2.0) == "equivalent within the margin"
    assert better.reading(2.5, 4.0, 2.0) == "better, beyond the margin"
