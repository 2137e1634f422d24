"""Time to threshold as a censored outcome: log-rank, Kaplan-Meier, restricted mean, factor."""
import numpy as np
import pytest
from scipy import stats as sps

from nasdqn.analysis import survival


def random_groups(rng, budget=400):
    na, nb = rng.integers(2, 12, 2)
    ta, tb = rng.integers(50, budget, na).astype(float), rng.integers(50, budget, nb).astype(float)
    ea, eb = rng.random(na) < 0.7, rng.random(nb) < 0.7
    ta[~ea], tb[~eb] = budget, budget
    return ta, ea, tb, eb


def test_logrank_equals_scipy():
    rng = np.random.default_rng(1)
    for _ in range(150):
        ta, ea, tb, eb = random_groups(rng)
        if not (ea.any() or eb.any()):
            continue
        ours = survival.logrank(ta, ea, tb, eb)
        ref = sps.logrank(sps.CensoredData(uncensored=ta[ea], right=ta[~ea]), sps.CensoredData(uncensored=tb[eb], right=tb[~eb]))
        assert ours.z[0] == pytest.approx(ref.statistic, abs=1e-9)
        assert ours.p_normal[0] == pytest.approx(ref.pvalue, abs=1e-9)


def test_logrank_is_vectorised_over_studies():
    rng = np.random.default_rng(2)
    ta, tb = rng.integers(50, 400, (6, 4)).astype(float), rng.integers(50, 400, (6, 5)).astype(float)
    ea, eb = ta < 350, tb < 350
    together = survival.logrank(ta, ea, tb, eb)
    for s in range(6):
        alone = survival.logrank(ta[s], ea[s], tb[s], eb[s])
        assert alone.o_minus_e[0] == pytest.approx(together.o_minus_e[s]) and alone.p[0] == together.p[s]


def test_permutation_logrank_cannot_reject_at_three_vs_three():
    """Exact: 20 splits of 6 runs, so the smallest two-sided p is 2/20 = 0.1."""
    fast, slow = np.array([50.0, 51, 52]), np.array([1000.0, 1001, 1002])
    res = survival.logrank(fast, np.ones(3, bool), slow, np.ones(3, bool))
    assert res.p[0] == pytest.approx(0.1) and res.o_minus_e[0] > 0
    assert res.p_normal[0] < 0.05  # the asymptotic test would have rejected


def test_no_events_means_no_evidence():
    res = survival.logrank(np.full(3, 400.0), np.zeros(3, bool), np.full(3, 400.0), np.zeros(3, bool))
    assert res.p[0] == 1.0 and res.o_minus_e[0] == 0.0


def test_kaplan_meier_equals_scipy_ecdf():
    rng = np.random.default_rng(3)
    for _ in range(30):
        t, e, _, _ = random_groups(rng)
        if not e.any():
            continue
        times, surv = survival.kaplan_meier(t, e)
        ref = sps.ecdf(sps.CensoredData(uncensored=t[e], right=t[~e])).sf
        assert np.allclose(surv, ref.evaluate(times))


def test_restricted_mean_is_the_area_under_kaplan_meier():
    rng = np.random.default_rng(4)
    t, e, _, _ = random_groups(rng, budget=400)
    times, surv = survival.kaplan_meier(t, e)
    steps = np.concatenate([[0.0], times, [400.0]])
    heights = np.concatenate([[1.0], surv])
    area = float(np.sum(np.diff(steps) * heights))
    assert survival.restricted_mean(t, 400) == pytest.approx(area)


def test_one_sided_logrank_points_the_way_of_o_minus_e():
    rng = np.random.default_rng(6)
    fast, slow = np.round(rng.exponential(100, (40, 8))) + 1, np.round(rng.exponential(400, (40, 8))) + 1
    ones = np.ones((40, 8), bool)
    greater = survival.logrank_one_sided(fast, ones, slow, ones, "greater")
    less = survival.logrank_one_sided(fast, ones, slow, ones, "less")
    assert np.mean(greater < 0.05) > 0.8 and np.all(less > 0.5)
    none = survival.logrank_one_sided(np.full(3, 9.0), np.zeros(3, bool), np.full(3, 9.0), np.zeros(3, bool), "greater")
    assert none[0] == 1.0
