"""Learning curves and performance profiles as rliable draws them (Agarwal et al., 2021): the
interquartile mean across runs at every point, with a stratified-bootstrap band (an agent's runs
resampled on their own; seeded, so figures are byte-identical on rerun). With fewer than 4 runs
the IQM trims nothing and is the plain mean."""
from __future__ import annotations

import numpy as np

from nasdqn.analysis import stats
from nasdqn.analysis.metrics import rolling_mean

MAX_POINTS = 200  # a curve's band is computed on at most this many points
MAX_BOOT = 2000  # bootstrap resamples for a band (enough for a drawn 95% band)


def on_grid(returns: list[np.ndarray], window: int, steps: list[np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(x, curves): every run's rolling average on one x grid, shape (runs, points). By episode
    (x = the episode that ends each full window) when steps is None; otherwise by environment
    steps (x = the steps at the end of that episode), each run interpolated onto a common grid
    from the first point every run has to the end of the shortest run."""
    rolled = [rolling_mean(r, window) for r in returns]
    if steps is None:
        n = min(len(c) for c in rolled)
        x = np.arange(window, window + n, dtype=np.float64)
        keep = np.unique(np.linspace(0, n - 1, min(n, MAX_POINTS)).round().astype(int))
        return x[keep], np.stack([c[:n][keep] for c in rolled])
    ends = [np.cumsum(s)[window - 1:] for s in steps]
    lo, hi = max(e[0] for e in ends), min(e[-1] for e in ends)
    x = np.linspace(lo, hi, MAX_POINTS)
    return x, np.stack([np.interp(x, e, c) for e, c in zip(ends, rolled)])


def iqm_band(curves: np.ndarray, rng: np.random.Generator, n_boot: int, alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """IQM across runs at every point, with the percentile band of its stratified bootstrap."""
    n_boot = min(n_boot, MAX_BOOT)
    centre = stats.iqm(curves, axis=0)
    picks = rng.integers(0, curves.shape[0], (n_boot, curves.shape[0]))
    draws = stats.iqm(curves[picks], axis=1)  # (n_boot, points)
    low, high = np.percentile(draws, [100 * alpha / 2, 100 * (1 - alpha / 2)], axis=0)
    return centre, low, high


def profile_band(values: np.ndarray, taus: np.ndarray, rng: np.random.Generator, n_boot: int,
                 alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The share of runs above each tau, with its stratified-bootstrap percentile band."""
    values = np.asarray(values, dtype=np.float64)
    n_boot = min(n_boot, MAX_BOOT)
    share = (values[:, None] > taus[None, :]).mean(axis=0)
    draws = values[rng.integers(0, values.size, (n_boot, values.size))]
    boot = (draws[:, :, None] > taus[None, None, :]).mean(axis=1)
    low, high = np.percentile(boot, [100 * alpha / 2, 100 * (1 - alpha / 2)], axis=0)
    return share, low, high
