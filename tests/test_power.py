"""The seeds it would take, against independent computations: Schoenfeld's formula by hand for
the log-rank, and Monte Carlo rejection rates of scipy's Welch test with unequal variances. The
rule before 2026-12-01 compared the test's label with "log-rank" while compare() called it
"log-rank (permutation)", so the t-test formula got a log hazard ratio as if it were Cohen's d:
`old_seeds` keeps that computation to show these checks fail on it."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from conftest import roles
from nasdqn.analysis import decision, power
from nasdqn.analysis.claims import Claim, Comparison
from nasdqn.analysis.margins import DecisionSettings
from nasdqn.analysis.samples import Samples

ROLES = roles("a", ["b"])


def one_claim(metric: str, kind: str = "better") -> Claim:
    return Claim("check", "a beats b", "test", (Comparison(metric, "reference", "fixed", kind),))


def exact_sd(rng, n: int, sd: float, mean: float = 0.0) -> np.ndarray:
    x = rng.normal(size=n)
    return mean + sd * (x - x.mean()) / x.std(ddof=1)


def evaluation(columns: dict, d: DecisionSettings, claim: Claim, budget: float = 1000.0) -> decision.Evaluation:
    ev = decision.evaluate(claim, Samples(columns, budget), ROLES, ["a", "b"], decision.Context(d))
    decision.assign_levels([ev], d.alpha)
    return ev


def schoenfeld_seeds(log_hr: float, event_fraction: float, alpha: float, target: float) -> int:
    """Schoenfeld (1981), equal groups: D = 4 (z_{1 - alpha/2} + z_power)^2 / log(HR)^2 events."""
    events = 4 * (sps.norm.ppf(1 - alpha / 2) + sps.norm.ppf(target)) ** 2 / log_hr**2
    return int(np.ceil(events / (2 * event_fraction)))


def old_seeds(d_value: float, alpha: float, target: float, max_seeds: int = 1000) -> int | None:
    """The old stats.seeds_for_t_test: a pooled-variance t-test for Cohen's d."""
    n = np.arange(2, max_seeds + 1)
    df, nc = 2 * n - 2, abs(d_value) * np.sqrt(n / 2)
    crit = sps.t.ppf(1 - alpha / 2, df)
    hits = np.flatnonzero(sps.nct.sf(crit, df, nc) + sps.nct.cdf(-crit, df, nc) >= target)
    return int(n[hits[0]]) if hits.size else None


@pytest.mark.parametrize("event_fraction", [1.0, 0.5])
def test_logrank_seeds_follow_schoenfeld(event_fraction):
    """A speed-up margin of 2x (ratio_margin 2): "a reaches the threshold sooner" at its stated
    effect, hazard ratio 2 under exponential times."""
    d = DecisionSettings(ratio_margin=2.0, max_seeds=1000)
    rng = np.random.default_rng(0)
    t = np.round(rng.exponential(300, (1, 20))) + 1
    reached = (rng.random((1, 20)) < event_fraction).astype(float)
    t[reached == 0] = 1000.0
    columns = {"episodes_to_threshold": {"a": t[:, :10], "b": t[:, 10:]}, "threshold_reached": {"a": reached[:, :10], "b": reached[:, 10:]}}
    ev = evaluation(columns, d, one_claim("time_to_threshold"))
    fraction = float(reached.mean())
    expected = schoenfeld_seeds(np.log(2.0), fraction, d.alpha, d.power)
    assert decision.seeds_to_decide(ev, d, d.alpha) == expected
    assert old_seeds(np.log(2.0), d.alpha, d.power) != expected  # the dead branch's figure
    if event_fraction == 1.0:
        assert expected == 33  # 66 events for HR 2, the textbook value


def welch_rejection_rate(n: int, delta: float, sd_a: float, sd_b: float, level: float, rng, sims: int = 20000) -> float:
    a = rng.normal(delta, sd_a, (sims, n))
    b = rng.normal(0.0, sd_b, (sims, n))
    return float(np.mean(sps.ttest_ind(a, b, axis=1, equal_var=False, alternative="greater").pvalue < level))


def test_welch_seeds_match_a_monte_carlo_of_scipys_welch_test():
    """Unequal variances (sd 1 against 4): at the computed n the one-sided Welch test at the
    interval's end level detects the margin with 80% power, at n - 1 it does not."""
    d = DecisionSettings(return_range=(0.0, 100.0), return_margin=0.05)  # margin 5
    rng = np.random.default_rng(1)
    columns = {"final_performance": {"a": exact_sd(rng, 6, 1.0, 50)[None], "b": exact_sd(rng, 6, 4.0, 50)[None]}}
    ev = evaluation(columns, d, one_claim("final_performance"))
    n = decision.seeds_to_decide(ev, d, d.alpha)
    assert n is not None and n > 3
    level = d.alpha / 2  # one end of the 95% interval
    sims = np.random.default_rng(2)
    mc_se = 3 * np.sqrt(0.8 * 0.2 / 20000)
    assert welch_rejection_rate(n, 5.0, 1.0, 4.0, level, sims) >= d.power - mc_se
    assert welch_rejection_rate(n - 1, 5.0, 1.0, 4.0, level, sims) < d.power + mc_se
    # the old pooled-variance formula with Cohen's d asks for too few seeds: Welch's test misses at its n
    old = old_seeds(5.0 / np.sqrt((1.0 + 16.0) / 2), d.alpha, d.power)
    assert old < n and welch_rejection_rate(old, 5.0, 1.0, 4.0, level, sims) < d.power - mc_se


def test_welch_power_is_the_textbook_t_power_with_equal_variances():
    """With equal variances Welch's power is the usual noncentral t: d = 1 needs 17 seeds (two-sided 0.05)."""
    n = np.arange(2, 40)
    achieved = power.welch_power(n, 1.0, 1.0, 1.0, 1.0, 1.0, 0.025)
    assert int(n[np.flatnonzero(achieved >= 0.8)[0]]) == 17


def test_schoenfeld_power_inverts_the_formula():
    events = 4 * (sps.norm.ppf(0.975) + sps.norm.ppf(0.8)) ** 2 / np.log(2) ** 2
    assert power.schoenfeld_power(np.array([events / 2]), np.log(2), 1.0, 1.0, 1.0, 0.025)[0] == pytest.approx(0.8)


def test_the_stated_effect_not_the_observed_one_decides_the_seeds():
    """Two studies that differ only in the observed effect need the same seeds at the stated effect."""
    d = DecisionSettings(return_range=(0.0, 100.0))
    rng = np.random.default_rng(3)
    base = exact_sd(rng, 5, 2.0, 50)
    far = evaluation({"final_performance": {"a": (base + 4)[None], "b": base[None]}}, d, one_claim("final_performance"))
    near = evaluation({"final_performance": {"a": (base + 0.5)[None], "b": base[None]}}, d, one_claim("final_performance"))
    assert decision.seeds_to_decide(far, d, d.alpha) == decision.seeds_to_decide(near, d, d.alpha)
    assert decision.seeds_to_decide(far, d, d.alpha, observed=True) != decision.seeds_to_decide(near, d, d.alpha, observed=True)
