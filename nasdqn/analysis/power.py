"""Power of one one-sided test, and the seeds it would take.

Every function gives the probability that a one-sided test at `level` rejects "the effect is on
the far side of `boundary`" when the true effect is `truth` (at distance |truth - boundary| on
the side being tested), for n seeds per agent; each comparison method in effects.py calls the one
that matches its test (docs/statistics.md, "The seeds it would take"). n is an array: the search
over seed counts is one vector operation. Independent checks in tests/test_power.py: Schoenfeld's
formula by hand, and Monte Carlo rejection rates of scipy's Welch test.
"""
from __future__ import annotations

import numpy as np
from scipy import stats as sps


def welch_power(n: np.ndarray, distance: float, var_a: float, var_b: float, k_a: float, k_b: float,
                level: float) -> np.ndarray:
    """Welch's t with unequal variances: group a has k_a x n runs of variance var_a, group b k_b x n
    of var_b (k > 1 for a pooled group). Noncentral t with the Welch-Satterthwaite df of the true
    variances: P(T'(df, distance / se) > t_{1 - level}(df))."""
    n = np.asarray(n, dtype=np.float64)
    na, nb = k_a * n, k_b * n
    wa, wb = var_a / na, var_b / nb
    se = np.sqrt(wa + wb)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = (wa + wb) ** 2 / (wa**2 / np.maximum(na - 1, 1e-9) + wb**2 / np.maximum(nb - 1, 1e-9))
        nc = distance / se
    ok = (se > 0) & (na >= 2) & (nb >= 2) & np.isfinite(df)
    df = np.where(ok, df, 1.0)
    out = sps.nct.sf(sps.t.ppf(1 - level, df), df, np.where(ok, nc, 0.0))
    return np.where(ok, out, 0.0)


def one_sample_power(n: np.ndarray, distance: float, var: float, level: float) -> np.ndarray:
    """One-sample t (df n - 1): P(T'(n - 1, distance / sqrt(var / n)) > t_{1 - level})."""
    n = np.asarray(n, dtype=np.float64)
    df = np.maximum(n - 1, 1)
    if var <= 0:
        return np.where(n >= 2, 1.0 if distance > 0 else 0.0, 0.0)
    return np.where(n >= 2, sps.nct.sf(sps.t.ppf(1 - level, df), df, distance / np.sqrt(var / n)), 0.0)


def schoenfeld_power(n: np.ndarray, distance: float, event_fraction: float, k_a: float, k_b: float,
                     level: float) -> np.ndarray:
    """Log-rank test (Schoenfeld, 1981): with D = event_fraction x (k_a + k_b) n events and an
    allocation share p = k_a / (k_a + k_b), power = Phi(|log HR| sqrt(D p (1 - p)) - z_{1 - level}).
    The effect is the log acceleration factor; it equals log HR when times are exponential."""
    n = np.asarray(n, dtype=np.float64)
    share = k_a / (k_a + k_b)
    events = event_fraction * (k_a + k_b) * n
    return sps.norm.cdf(distance * np.sqrt(events * share * (1 - share)) - sps.norm.ppf(1 - level))


def normal_power(n: np.ndarray, distance: float, se_at_one: float, level: float) -> np.ndarray:
    """A normal approximation: the estimate's standard error is se_at_one / sqrt(n)."""
    n = np.asarray(n, dtype=np.float64)
    if not np.isfinite(se_at_one) or se_at_one <= 0:
        return np.zeros_like(n)
    return sps.norm.cdf(distance / (se_at_one / np.sqrt(n)) - sps.norm.ppf(1 - level))


def mann_whitney_power(n: np.ndarray, distance: float, var_a: float, var_b: float, k_a: float, k_b: float,
                       level: float) -> np.ndarray:
    """Noether (1987): with P = P(X - Y > boundary) = Phi(distance / sqrt(var_a + var_b)) under a
    normal shift, power = Phi(sqrt(12 n_a n_b / (n_a + n_b + 1)) |P - 1/2| - z_{1 - level})."""
    n = np.asarray(n, dtype=np.float64)
    na, nb = k_a * n, k_b * n
    spread = np.sqrt(var_a + var_b)
    if spread <= 0:
        return np.where((na >= 2) & (nb >= 2), 1.0, 0.0)
    prob = sps.norm.cdf(distance / spread)
    return sps.norm.cdf(np.sqrt(12 * na * nb / (na + nb + 1)) * (prob - 0.5) - sps.norm.ppf(1 - level))


def binomial_power(n: np.ndarray, truth: float, boundary: float, level: float) -> np.ndarray:
    """One-sample proportion, exact: the probability, when the share is `truth`, of the rejection
    region of the one-sided exact binomial test of `boundary` at `level` (towards `truth`); the test
    ShareFit's p-values make. (Until 2026-12-05 a normal approximation, up to 0.21 off at n <= 80.)"""
    n = np.asarray(n, dtype=np.int64)
    b = min(max(boundary, 1e-9), 1 - 1e-9)
    t = min(max(truth, 1e-9), 1 - 1e-9)
    k = np.arange(int(n.max()) + 1)[None, :]
    runs = n.reshape(-1, 1)
    tail = sps.binom.sf(k - 1, runs, b) if t >= b else sps.binom.cdf(k, runs, b)  # P(K >= k) or P(K <= k) at the boundary
    reject = (tail <= level) & (k <= runs)
    return (sps.binom.pmf(k, runs, t) * reject).sum(axis=1).reshape(n.shape)
