"""Time to threshold as a time-to-event outcome (section 2.4, "sample efficiency").

A run that never brings its rolling average above the threshold is *censored* at the episode
budget: we know only that its time exceeds the budget. Dropping such runs (or giving them a
missing bar) makes an agent that never converges look fast, so every function here takes
(times, reached) pairs and keeps the censored runs.

Every function is vectorised over a leading axis of independent studies (shape (S, n)), so
that the simulation tests run the very code the report uses, thousands of times at once.
Choices and their reasons are in docs/statistics.md.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from nasdqn.analysis.stats import Side, permutation_p


@dataclass(frozen=True)
class LogRank:
    """Log-rank comparison of group a against group b, one value per study.

    `o_minus_e` > 0: group a reaches the threshold sooner than expected under "no
    difference". `p` is the two-sided *permutation* p-value of O - E (exact where the splits
    can be enumerated): the asymptotic normal p (`p_normal`, what scipy.stats.logrank
    returns) rejects identical agents in about 10% of 3-vs-3 studies instead of 5%
    (docs/statistics.md).
    """

    o_minus_e: np.ndarray
    variance: np.ndarray
    p: np.ndarray
    p_normal: np.ndarray

    @property
    def z(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.variance > 0, self.o_minus_e / np.sqrt(self.variance), 0.0)


def _as_2d(x, dtype=np.float64) -> np.ndarray:
    x = np.asarray(x, dtype=dtype)
    return x[None, :] if x.ndim == 1 else x


def _risk_sets(t: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each subject j as a candidate event time: at-risk mask [s, j, k], number at risk,
    events at t_j, and whether j is the first event subject of its (tied) time."""
    at_risk = t[:, None, :] >= t[:, :, None]
    same = (t[:, None, :] == t[:, :, None]) & e[:, None, :]
    n = at_risk.sum(axis=2).astype(np.float64)
    d = same.sum(axis=2).astype(np.float64)
    earlier = np.tril(np.ones((t.shape[1],) * 2, dtype=bool), k=-1)
    first = e & ~(same & earlier[None]).any(axis=2)
    return at_risk, n, d, first


def logrank_scores(t: np.ndarray, e: np.ndarray, at_risk: np.ndarray, n: np.ndarray, d: np.ndarray,
                   first: np.ndarray) -> np.ndarray:
    """Per-subject log-rank scores of the pooled sample: c_i = event_i - Lambda(t_i), with
    Lambda the pooled Nelson-Aalen cumulative hazard. O - E of a group is the sum of its
    members' scores, which is what makes the permutation test cheap (a matrix product)."""
    increments = np.where(first, d / n, 0.0)  # [s, j]: hazard jump at subject j's event time
    # at_risk[s, i, j] is t_j >= t_i: subject j's jump counts for i when t_j <= t_i
    cum = np.einsum("sj,sji->si", increments, at_risk)
    return e.astype(np.float64) - cum


def _logrank_parts(time_a, reached_a, time_b, reached_b) -> tuple[np.ndarray, np.ndarray, int]:
    """(per-subject log-rank scores of the pooled sample, hypergeometric variance V, n_a)."""
    ta, tb = _as_2d(time_a), _as_2d(time_b)
    ea, eb = _as_2d(reached_a, bool), _as_2d(reached_b, bool)
    t, e = np.concatenate([ta, tb], axis=1), np.concatenate([ea, eb], axis=1)
    in_a = np.concatenate([np.ones_like(ea), np.zeros_like(eb)], axis=1)
    at_risk, n, d, first = _risk_sets(t, e)
    n_a = (at_risk & in_a[:, None, :]).sum(axis=2).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = n_a / n
        var = np.where(n > 1, d * frac * (1 - frac) * (n - d) / (n - 1), 0.0)
    v = np.where(first, var, 0.0).sum(axis=1)
    return logrank_scores(t, e, at_risk, n, d, first), v, ta.shape[1]


def logrank(time_a, reached_a, time_b, reached_b, with_p: bool = True) -> LogRank:
    """Two-sided log-rank test (Mantel 1966) of a against b, vectorised over studies.

    O - E and its hypergeometric variance V are scipy.stats.logrank's (a test checks it); a
    study without any event has O - E = V = 0 and p = 1 (no evidence either way).
    """
    scores, v, n_a = _logrank_parts(time_a, reached_a, time_b, reached_b)
    o_minus_e = scores[:, :n_a].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_normal = np.where(v > 0, 2 * sps.norm.sf(np.abs(o_minus_e) / np.sqrt(v)), 1.0)
    p = np.where(v > 0, permutation_p(scores, n_a), 1.0) if with_p else np.full(v.shape, np.nan)
    return LogRank(o_minus_e, v, p, p_normal)


def logrank_one_sided(time_a, reached_a, time_b, reached_b, side: Side) -> np.ndarray:
    """One-sided permutation log-rank p per study: "greater" is the evidence that a reaches the
    threshold sooner than b (its O - E is large), "less" that it reaches it later; 1 without events."""
    scores, v, n_a = _logrank_parts(time_a, reached_a, time_b, reached_b)
    return np.where(v > 0, permutation_p(scores, n_a, side), 1.0)


def restricted_mean(times, budget: float) -> np.ndarray:
    """Restricted mean time to threshold, RMST(tau = budget), along the last axis.

    Censoring here is administrative and happens exactly at the budget, so the area under
    the Kaplan-Meier curve up to the budget equals the plain mean of min(time, budget), with
    a censored run counted at the budget (a lower bound of its true time).
    """
    return np.minimum(np.asarray(times, dtype=np.float64), budget).mean(axis=-1)


def kaplan_meier(times: np.ndarray, reached: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier estimate of P(not yet reached) for one group: (event times, survival after
    each). Equals scipy.stats.ecdf(CensoredData(...)).sf at those times."""
    times = np.asarray(times, dtype=np.float64)
    reached = np.asarray(reached, dtype=bool)
    event_times = np.unique(times[reached])
    surv, s = [], 1.0
    for t in event_times:
        at_risk = np.sum(times >= t)
        s *= 1.0 - np.sum((times == t) & reached) / at_risk
        surv.append(s)
    return event_times, np.asarray(surv)
