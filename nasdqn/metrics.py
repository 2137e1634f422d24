"""Per-run metrics of section 2.4: final performance, stability, sample efficiency, peak."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .results import ResultsError, read_architectures, read_episodes, read_run_json

PER_RUN_COLUMNS = ["agent", "seed", "final_performance", "stability", "episodes_to_150", "peak", "train_seconds"]
METRICS = ["final_performance", "stability", "episodes_to_150", "peak", "train_seconds"]


@dataclass(frozen=True)
class MetricSettings:
    rolling_window: int = 50
    success_threshold: float = 150.0
    final_episodes: int = 100


def rolling_mean(returns: np.ndarray, window: int) -> np.ndarray:
    """Mean of each full window of `window` consecutive episodes (no partial windows at the start)."""
    returns = np.asarray(returns, dtype=np.float64)
    if returns.size < window:
        return np.empty(0)
    c = np.concatenate([[0.0], np.cumsum(returns)])
    return (c[window:] - c[:-window]) / window


def episodes_to_threshold(returns: np.ndarray, window: int, threshold: float) -> int | None:
    """First episode (1-based) at which the `window`-episode rolling average exceeds `threshold`.

    None when it never does: the tables then say "not reached" instead of inventing a number.
    """
    avg = rolling_mean(returns, window)
    hits = np.flatnonzero(avg > threshold)
    return int(hits[0]) + window if hits.size else None


def run_metrics(returns: np.ndarray, m: MetricSettings) -> dict:
    returns = np.asarray(returns, dtype=np.float64)
    last = returns[-m.final_episodes :]
    return {
        "final_performance": float(last.mean()),
        # sample standard deviation (ddof=1) of the last episodes' returns; lower is more stable
        "stability": float(last.std(ddof=1)) if last.size > 1 else 0.0,
        "episodes_to_150": episodes_to_threshold(returns, m.rolling_window, m.success_threshold),
        "peak": float(returns.max()),
    }


def load_run(run_dir: str | Path, expected_episodes: int | None) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Read and validate one run directory's three files."""
    run_dir = Path(run_dir)
    episodes = read_episodes(run_dir / "episodes.csv", expected_episodes)
    windows = read_architectures(run_dir / "architectures.csv")
    info = read_run_json(run_dir / "run.json")
    if info["agent"] != run_dir.parent.name or f"seed{info['seed']}" != run_dir.name:
        raise ResultsError(
            f"{run_dir / 'run.json'}: belongs to agent {info['agent']!r} seed {info['seed']}, not to this directory"
        )
    if info.get("episodes") != len(episodes):
        raise ResultsError(f"{run_dir / 'run.json'}: says {info.get('episodes')} episodes, episodes.csv holds {len(episodes)}")
    return episodes, windows, info


def per_run_table(run_dirs: list[str | Path], m: MetricSettings, expected_episodes: int | None) -> pd.DataFrame:
    rows = []
    for run_dir in run_dirs:
        episodes, _, info = load_run(run_dir, expected_episodes)
        row = {"agent": info["agent"], "seed": info["seed"], **run_metrics(episodes["return"].to_numpy(), m)}
        # a job that trained several seeds together shares its wall time among them
        row["train_seconds"] = float(info["wall_seconds"]) / int(info["seeds_in_job"])
        rows.append(row)
    df = pd.DataFrame(rows, columns=PER_RUN_COLUMNS)
    df["episodes_to_150"] = df["episodes_to_150"].astype("Int64")
    return df.sort_values(["agent", "seed"], kind="stable").reset_index(drop=True)


def format_per_run(df: pd.DataFrame) -> str:
    """CSV text with repr() floats (byte-stable) and an empty cell where the threshold was never reached."""
    from .results import csv_text

    rows = []
    for rec in df.to_dict("records"):
        e = rec["episodes_to_150"]
        rec["episodes_to_150"] = "" if pd.isna(e) else int(e)
        rec["seed"] = int(rec["seed"])
        rows.append(rec)
    return csv_text(PER_RUN_COLUMNS, rows)
