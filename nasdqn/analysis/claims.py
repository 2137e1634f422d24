"""The paper's claims as data, and the one decision rule that judges them.

Each claim names the agents it compares by *role* (the reference agent, the random-search
control, the fixed baselines, ...); the config's `roles` section says which agent plays which
role, so renaming an agent never drops a claim.

The decision rule (stated in the report and in docs/statistics.md):
- comparison claims ("A is better than B on metric m"): one two-sided test per pair of
  agents at level alpha, Holm-corrected over the pairs of the claim. *supported* when every
  pair is significant in the claimed direction; *contradicted* when any pair is significant
  in the opposite direction; otherwise *inconclusive at N seeds*;
- interval claims ("about 3x faster", "comparable", "negligible"): the (1 - alpha) interval
  of the effect (Bonferroni-split over the pairs of the claim) against the band the paper's
  words allow: *supported* when every interval lies inside the band, *contradicted* when
  any interval lies entirely outside it, otherwise *inconclusive*.
Both directions use the same test or interval at the same level.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

from nasdqn.analysis import stats, survival

Kind = Literal["dominance", "factor", "equivalence", "bound"]
Verdict = Literal["supported", "contradicted", "inconclusive"]
ROLE_NAMES = ("reference", "random_search", "fixed", "large_fixed", "medium_fixed")


@dataclass(frozen=True)
class Metric:
    """A per-run column, the test that compares two agents on it, and which way is better."""

    column: str
    test: Literal["welch", "spread", "logrank"]
    higher_is_better: bool
    label: str


METRICS: dict[str, Metric] = {
    "final_performance": Metric("final_performance", "welch", True, "final performance (mean return, final episodes)"),
    "final_spread": Metric("final_performance", "spread", False, "spread of final performance across seeds"),
    "stability": Metric("stability", "welch", False, "std of return over the final episodes"),
    "peak": Metric("peak", "welch", True, "peak single-episode return"),
    "time_to_threshold": Metric("episodes_to_threshold", "logrank", True, "reaching the threshold (log hazard ratio)"),
    "visit_entropy": Metric("visit_entropy", "welch", False, "entropy of architecture visits (bits)"),
    "best_pick_fraction": Metric("best_pick_fraction", "welch", True, "fraction of picks of the best-scored architecture"),
}


@dataclass(frozen=True)
class Comparison:
    """`better` should beat `than` on `metric`; roles expand to agents, pairs of an agent with
    itself are skipped (so "fixed" vs "large_fixed" means every other fixed agent vs the large)."""

    metric: str
    better: str
    than: str


@dataclass(frozen=True)
class Claim:
    id: str
    words: str  # the paper's own words
    where: str  # section or figure
    kind: Kind
    comparisons: tuple[Comparison, ...] = ()
    factor: float | None = None  # claimed speed-up ("about 3x")
    column: str | None = None  # interval claims: the per-run column they are about


OTHERS = "others"  # pseudo-role: every agent but the reference

CLAIMS: tuple[Claim, ...] = (
    Claim("final_best", "NAS-DQN achieves the highest median reward over the last 100 episodes", "3.1, Fig. 3",
          "dominance", (Comparison("final_performance", "reference", OTHERS),)),
    Claim("final_tightest", "[NAS-DQN] exhibits a much tighter distribution of outcomes compared to all other methods",
          "3.1, Fig. 3", "dominance", (Comparison("final_spread", "reference", OTHERS),)),
    Claim("large_struggles", "the \"Fixed Large\" agent struggles to learn effectively", "3.1",
          "dominance", (Comparison("final_performance", "fixed", "large_fixed"),)),
    Claim("medium_best_fixed", "The \"Fixed Medium\" agent is the best-performing static baseline, but it is still "
          "outperformed by NAS-DQN", "3.1", "dominance",
          (Comparison("final_performance", "medium_fixed", "fixed"), Comparison("final_performance", "reference", "medium_fixed"))),
    Claim("fewest_episodes", "It reaches the performance threshold [...] in significantly fewer episodes than any other agent",
          "3.2, Fig. 3", "dominance", (Comparison("time_to_threshold", "reference", OTHERS),)),
    Claim("faster_than_fixed", "NAS-DQN converges approximately 3x faster than fixed baselines", "Fig. 4",
          "factor", (Comparison("time_to_threshold", "reference", "fixed"),), factor=3.0),
    Claim("faster_than_random", "[NAS-DQN converges approximately] 10x faster than Random-NAS", "Fig. 4",
          "factor", (Comparison("time_to_threshold", "reference", "random_search"),), factor=10.0),
    Claim("lowest_std", "NAS-DQN achieves the lowest standard deviation in rewards during the final 100 episodes",
          "3.2, Fig. 3", "dominance", (Comparison("stability", "reference", OTHERS),)),
    Claim("highest_peak", "The plots consistently demonstrate the superiority of the NAS-DQN agent [on every metric of "
          "2.4, peak performance included]", "2.4, 3", "dominance", (Comparison("peak", "reference", OTHERS),)),
    Claim("cost_comparable", "NAS-DQN's training time is comparable to the \"Fixed Large\" baseline and the Random NAS agent",
          "3.3, Fig. 5", "equivalence",
          (Comparison("train_seconds", "reference", "large_fixed"), Comparison("train_seconds", "reference", "random_search")),
          column="train_seconds"),
    Claim("negligible_overhead", "introducing negligible computational overhead", "1, 3.3, Fig. 5", "bound",
          (Comparison("search_overhead_share", "reference", "reference"),), column="search_overhead_share"),
    Claim("search_concentrates", "NAS-DQN concentrates search in high-reward regions; Random-NAS explores uniformly "
          "across the space", "3.4, Fig. 6", "dominance",
          (Comparison("visit_entropy", "reference", "random_search"), Comparison("best_pick_fraction", "reference", "random_search"))),
    Claim("nas_agents_beat_fixed", "NAS-DQN and Random-NAS substantially outperform fixed-architecture baselines on the "
          "final 100 episodes", "Fig. 7", "dominance",
          (Comparison("final_performance", "reference", "fixed"), Comparison("final_performance", "random_search", "fixed"))),
    Claim("nas_beats_random", "NAS-DQN demonstrates pronounced superiority in terms of final performance, sample "
          "efficiency, convergence rate, and policy stability relative to its Random-NAS counterpart", "1, 3.4, 4",
          "dominance", (Comparison("final_performance", "reference", "random_search"),
                        Comparison("time_to_threshold", "reference", "random_search"),
                        Comparison("stability", "reference", "random_search"))),
)


@dataclass(frozen=True)
class DecisionSettings:
    """The `analysis` section of the config (docs/statistics.md argues each value)."""

    alpha: float = 0.05
    power: float = 0.8
    max_seeds: int = 100
    factor_tolerance: float = 1.5  # "about F x" = between F / tol and F x tol
    comparable_tolerance: float = 1.25  # "comparable" = ratio within [1 / tol, tol]
    negligible_share: float = 0.02  # "negligible overhead" = below this share of wall time
    bootstrap_samples: int = 10_000
    bootstrap_seed: int = 20240101

    @property
    def z_crit(self) -> float:
        return float(sps.norm.ppf(1 - self.alpha / 2))


# ----- data ------------------------------------------------------------------------------------
@dataclass
class Samples:
    """Per-run values by column and agent, each of shape (studies, seeds)."""

    columns: dict[str, dict[str, np.ndarray]]
    budget: float  # the episode budget: censored runs sit there

    def get(self, column: str, agents: list[str]) -> np.ndarray:
        return np.concatenate([np.atleast_2d(self.columns[column][a]) for a in agents], axis=1)

    @classmethod
    def from_table(cls, per_run: pd.DataFrame, budget: float) -> "Samples":
        cols: dict[str, dict[str, np.ndarray]] = {}
        for column in per_run.columns:
            if column in ("agent", "seed"):
                continue
            cols[column] = {
                agent: group.sort_values("seed")[column].to_numpy(dtype=np.float64)[None, :]
                for agent, group in per_run.groupby("agent", sort=False)
            }
        return cls(cols, float(budget))


def resolve(role: str, roles: dict, agents: list[str]) -> list[str]:
    """The agents that play `role` (empty when the config leaves the role unset)."""
    if role == OTHERS:
        return [a for a in agents if a != roles.get("reference")]
    value = roles.get(role)
    if value is None:
        return []
    names = [value] if isinstance(value, str) else list(value)
    return [a for a in names if a in agents]


def pairs_of(claim: Claim, roles: dict, agents: list[str]) -> list[tuple[Comparison, str, str]]:
    out = []
    for comp in claim.comparisons:
        for a in resolve(comp.better, roles, agents):
            for b in resolve(comp.than, roles, agents):
                if a != b or claim.kind == "bound":
                    out.append((comp, a, b))
    return out


# ----- one comparison --------------------------------------------------------------------------
@dataclass
class Tested:
    """One pair of a claim: the test result and what it says about the claim."""

    comparison: Comparison
    better: str  # the agent (or pooled agents, joined by '+') the claim says is better
    than: str
    test: str
    result: stats.TwoSample
    favours: np.ndarray  # per study: the estimate points the claimed way
    mean_better: np.ndarray
    mean_than: np.ndarray
    p_adjusted: np.ndarray = field(default_factory=lambda: np.empty(0))
    extra: dict = field(default_factory=dict)


def compare(metric_name: str, a: str, b: str, data: Samples, d: DecisionSettings, intervals: bool = True) -> Tested:
    """Test agent a against agent b on one metric, in the metric's own test."""
    m, alpha = METRICS[metric_name], d.alpha
    x, y = data.get(m.column, [a]), data.get(m.column, [b])
    if m.test == "logrank":
        ra, rb = data.get("threshold_reached", [a]) > 0, data.get("threshold_reached", [b]) > 0
        lr = survival.logrank(x, ra, y, rb)
        nan = np.full(lr.p.shape, np.nan)
        result = stats.TwoSample(nan, nan, nan, lr.p, lr.log_hr)
        if intervals:  # how many times faster a is than b, with the interval inverting this test
            result = stats.TwoSample(*survival.acceleration_factor(x, ra, y, rb, alpha), lr.p, lr.log_hr)
        mean_x, mean_y = survival.restricted_mean(x, data.budget), survival.restricted_mean(y, data.budget)
        tested = Tested(Comparison(metric_name, a, b), a, b, "log-rank (permutation)", result, lr.o_minus_e > 0, mean_x, mean_y)
        tested.extra["event_fraction"] = float(np.mean(np.concatenate([ra, rb], axis=1)))
        return tested
    if m.test == "spread":
        result = stats.spread(x, y)
        if intervals and x.shape[0] == 1:  # a descriptive interval of the sd ratio, for the report
            rng = np.random.default_rng([d.bootstrap_seed, len(metric_name), x.shape[1], y.shape[1]])
            low, high = stats.bootstrap_interval(stats.sd_ratio, [x[0], y[0]], rng, d.bootstrap_samples, alpha)
            result = stats.TwoSample(result.estimate, np.array([low]), np.array([high]), result.p, result.d)
        return Tested(Comparison(metric_name, a, b), a, b, "variance-ratio permutation", result, result.estimate < 1,
                      x.std(axis=1, ddof=1), y.std(axis=1, ddof=1))
    result = stats.welch(x, y, alpha)
    favours = result.estimate > 0 if m.higher_is_better else result.estimate < 0
    return Tested(Comparison(metric_name, a, b), a, b, "Welch t", result, favours, x.mean(axis=1), y.mean(axis=1))


# ----- the decision rule -----------------------------------------------------------------------
def dominance_verdict(p_adjusted: np.ndarray, favours: np.ndarray, alpha: float) -> np.ndarray:
    """(studies, pairs) -> verdict per study: all pairs significant the claimed way, or any
    significant the other way, or neither."""
    significant = p_adjusted < alpha
    supported = np.all(significant & favours, axis=1)
    contradicted = np.any(significant & ~favours, axis=1)
    return np.where(supported, "supported", np.where(contradicted, "contradicted", "inconclusive"))


def band_verdict(low: np.ndarray, high: np.ndarray, band_low: float, band_high: float) -> np.ndarray:
    """(studies, pairs) intervals against a band: all inside, or any entirely outside, or neither."""
    inside = np.all((low >= band_low) & (high <= band_high), axis=1)
    outside = np.any((high < band_low) | (low > band_high), axis=1)
    return np.where(inside, "supported", np.where(outside, "contradicted", "inconclusive"))


@dataclass
class Evaluation:
    claim: Claim
    pairs: list[Tested]
    verdict: np.ndarray  # per study
    band: tuple[float, float] | None = None  # interval claims: the band, in the effect's units
    missing: str = ""  # why the claim could not be tested with this config


def evaluate(claim: Claim, data: Samples, roles: dict, agents: list[str], d: DecisionSettings,
             intervals: bool = True) -> Evaluation:
    """Judge one claim on every study in `data`. intervals=False skips the effect intervals
    of comparison claims (they do not enter the verdict; the simulation tests skip them)."""
    pairs = pairs_of(claim, roles, agents)
    if not pairs:
        roles_needed = sorted({r for c in claim.comparisons for r in (c.better, c.than)})
        return Evaluation(claim, [], np.array(["not tested"]), missing=f"the config sets no agent for role(s) {', '.join(roles_needed)}")
    shared = _shared_processes(claim, data, pairs)
    if shared:
        return Evaluation(claim, [], np.array(["not tested"]), missing=shared)
    if claim.kind == "dominance":
        tested = [compare(c.metric, a, b, data, d, intervals) for c, a, b in pairs]
        p = np.stack([t.result.p for t in tested], axis=1)
        p_adj = stats.holm(p, axis=1)
        for k, t in enumerate(tested):
            t.p_adjusted = p_adj[:, k]
        favours = np.stack([t.favours for t in tested], axis=1)
        return Evaluation(claim, tested, dominance_verdict(p_adj, favours, d.alpha))
    if claim.kind == "factor":
        return _evaluate_factor(claim, pairs, data, d)
    if claim.kind == "equivalence":
        return _evaluate_equivalence(claim, pairs, data, d)
    return _evaluate_bound(claim, pairs, data, d)


def _shared_processes(claim: Claim, data: Samples, pairs) -> str:
    """Why a claim about wall time cannot be tested: runs that shared a process
    (protocol.runs_per_job > 1) share one wall time, so no run has its own."""
    if claim.column not in ("train_seconds", "search_overhead_share") or "runs_in_job" not in data.columns:
        return ""
    agents = {a for _, a, b in pairs} | {b for _, a, b in pairs}
    if all((data.get("runs_in_job", [a]) <= 1).all() for a in agents):
        return ""
    return "runs shared processes (protocol.runs_per_job > 1), so no run has a wall time of its own; rerun with runs_per_job: 1"


def _evaluate_factor(claim: Claim, pairs, data: Samples, d: DecisionSettings) -> Evaluation:
    """"About F x faster": the acceleration factor of the reference over the pooled others,
    with its log-rank-inverted interval, against [F / tol, F x tol]."""
    ref = pairs[0][1]
    others = list(dict.fromkeys(b for _, _, b in pairs))
    t_ref, r_ref = data.get("episodes_to_threshold", [ref]), data.get("threshold_reached", [ref]) > 0
    t_oth, r_oth = data.get("episodes_to_threshold", others), data.get("threshold_reached", others) > 0
    est, low, high = survival.acceleration_factor(t_ref, r_ref, t_oth, r_oth, d.alpha)
    rm_ref, rm_oth = survival.restricted_mean(t_ref, data.budget), survival.restricted_mean(t_oth, data.budget)
    lr = survival.logrank(t_oth, r_oth, t_ref * est[:, None], r_ref)
    result = stats.TwoSample(est, low, high, np.full(est.shape, np.nan), np.full(est.shape, np.nan))
    band = (claim.factor / d.factor_tolerance, claim.factor * d.factor_tolerance)
    tested = Tested(Comparison("time_to_threshold", ref, "+".join(others)), ref, "+".join(others),
                    "log-rank inversion", result, (est >= band[0]) & (est <= band[1]), rm_ref, rm_oth)
    tested.extra.update(rmst_ratio=rm_oth / rm_ref, variance=lr.variance)
    return Evaluation(claim, [tested], band_verdict(low[:, None], high[:, None], *band), band=band)


def _evaluate_equivalence(claim: Claim, pairs, data: Samples, d: DecisionSettings) -> Evaluation:
    """"Comparable": each ratio of geometric means, with a Welch interval on the log scale at
    alpha / pairs (simultaneous), inside [1 / tol, tol]."""
    alpha = d.alpha / len(pairs)
    tested = []
    for comp, a, b in pairs:
        x, y = data.get(claim.column, [a]), data.get(claim.column, [b])
        r = stats.log_ratio_interval(x, y, alpha)
        res = stats.TwoSample(np.exp(r.estimate), np.exp(r.ci_low), np.exp(r.ci_high), r.p, r.d)
        t = Tested(comp, a, b, "Welch t on log", res, np.abs(r.estimate) <= np.log(d.comparable_tolerance),
                   np.exp(np.log(x).mean(axis=1)), np.exp(np.log(y).mean(axis=1)))
        t.extra["log_se"] = (r.ci_high - r.ci_low) / (2 * sps.t.ppf(1 - alpha / 2, 2 * x.shape[1] - 2))
        tested.append(t)
    band = (1 / d.comparable_tolerance, d.comparable_tolerance)
    low = np.stack([t.result.ci_low for t in tested], axis=1)
    high = np.stack([t.result.ci_high for t in tested], axis=1)
    return Evaluation(claim, tested, band_verdict(low, high, *band), band=band)


def _evaluate_bound(claim: Claim, pairs, data: Samples, d: DecisionSettings) -> Evaluation:
    """"Negligible": the mean share with its t interval, below the configured bound."""
    _, a, _ = pairs[0]
    x = data.get(claim.column, [a])
    mean, low, high = stats.mean_interval(x, d.alpha)
    res = stats.TwoSample(mean, low, high, np.full(mean.shape, np.nan), np.full(mean.shape, np.nan))
    t = Tested(pairs[0][0], a, a, "t interval", res, mean < d.negligible_share, mean, mean)
    band = (-np.inf, d.negligible_share)
    return Evaluation(claim, [t], band_verdict(low[:, None], high[:, None], *band), band=band)


def evaluate_all(data: Samples, roles: dict, agents: list[str], d: DecisionSettings,
                 claims: tuple[Claim, ...] = CLAIMS, intervals: bool = True) -> list[Evaluation]:
    return [evaluate(c, data, roles, agents, d, intervals) for c in claims]


# ----- the seeds it would take -----------------------------------------------------------------
def _pair_seeds(ev: Evaluation, t: Tested, d: DecisionSettings, n_now: int) -> int | None:
    """Seeds per agent at which this pair's observed effect would be decided with d.power."""
    kind = ev.claim.kind
    if kind == "dominance":
        alpha = d.alpha / len(ev.pairs)  # Holm's first step: the strictest level a pair meets
        if t.test == "log-rank":
            return stats.seeds_for_logrank(float(t.result.d[0]), t.extra["event_fraction"], alpha, d.power, d.max_seeds)
        return stats.seeds_for_t_test(float(t.result.d[0]), alpha, d.power, d.max_seeds)
    assert ev.band is not None
    if kind == "factor":
        est, low, high = (float(v[0]) for v in (t.result.estimate, t.result.ci_low, t.result.ci_high))
        finite = 0 < low and np.isfinite(high)
        se = (np.log(high) - np.log(low)) / (2 * d.z_crit) if finite else 1 / np.sqrt(max(float(t.extra["variance"][0]), 1e-12))
        edges = np.log(ev.band)
        return stats.seeds_for_interval(n_now, se, float(np.min(np.abs(np.log(est) - edges))), d.alpha, d.power, d.max_seeds)
    if kind == "equivalence":
        est, se = np.log(float(t.result.estimate[0])), float(t.extra["log_se"][0])
        distance = float(np.min(np.abs(est - np.log(ev.band))))
        return stats.seeds_for_interval(n_now, se, distance, d.alpha / len(ev.pairs), d.power, d.max_seeds)
    mean, low, high = (float(v[0]) for v in (t.result.estimate, t.result.ci_low, t.result.ci_high))
    se = (high - low) / (2 * sps.t.ppf(1 - d.alpha / 2, max(n_now - 1, 1)))
    return stats.seeds_for_interval(n_now, se, abs(mean - ev.band[1]), d.alpha, d.power, d.max_seeds)


def seeds_needed(ev: Evaluation, d: DecisionSettings, n_now: int) -> int | None:
    """For an inconclusive claim (one study): seeds per agent at which the observed effects
    would decide it with d.power. Where every pair points the claimed way, the claim needs
    all of them (the maximum); otherwise the first pair against it would contradict it (the
    minimum over those). None: more than d.max_seeds."""
    per_pair = [(_pair_seeds(ev, t, d, n_now), bool(t.favours[0])) for t in ev.pairs]
    # the claim is undecided at n_now, so whatever the formulas say it takes more
    per_pair = [(None if n is None else max(n, n_now + 1), f) for n, f in per_pair]
    if all(f for _, f in per_pair):
        needs = [n for n, _ in per_pair]
        return None if any(n is None for n in needs) else max(needs)  # type: ignore[type-var]
    against = [n for n, f in per_pair if not f and n is not None]
    return min(against) if against else None
