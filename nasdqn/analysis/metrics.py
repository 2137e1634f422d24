"""Per-run metrics: the four of section 2.4 and the ones the paper's figures imply.

Section 2.4: final performance (mean return of the final episodes), stability (their standard
deviation), sample efficiency (first episode at which the rolling average exceeds the
threshold) and peak. Sample efficiency is a time to an event: a run that never gets there is
censored at the end of the run (`threshold_reached` false, `episodes_to_threshold` = its episodes,
`steps_to_threshold` = its environment steps), never dropped; a protocol counted in steps
(protocol.unit: steps) judges the time in steps, one counted in episodes in episodes. `drawdown`
(the best rolling average minus the final one) measures "maintains it" (section 3.1). Figure 6's "concentrates its search" is measured by `visit_entropy` and
`best_pick_fraction`; section 3.3's overhead by `search_overhead_share`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from nasdqn.jobs.results import ResultsError, csv_text, read_architectures, read_episodes, read_evaluations, read_run_json
from nasdqn.settings.identity import RunRecord

PER_RUN_COLUMNS = [
    "agent", "seed", "final_performance", "stability", "episodes_to_threshold", "threshold_reached", "peak",
    "train_seconds", "runs_in_job", "search_overhead_share", "visit_entropy", "best_pick_fraction",
    "transitions", "keep_fraction", "episodes_since_transition", "last_update_switched",
    "greedy_final", "greedy_episodes_to_threshold", "greedy_threshold_reached",
    "steps_to_threshold", "env_steps", "drawdown", "top5_visit_share", "top5_final_pick",
]
# Filled only in a study with the oracle (protocol.oracle), for agents that search.
TOP_COLUMNS = ("top5_visit_share", "top5_final_pick")
BOOL_COLUMNS = ("threshold_reached", "last_update_switched", "greedy_threshold_reached")
# Columns measured with a clock: they differ from run to run and between machines.
TIMED_COLUMNS = ("train_seconds", "search_overhead_share")
INT_COLUMNS = ("seed", "episodes_to_threshold", "runs_in_job", "transitions", "episodes_since_transition",
               "steps_to_threshold", "env_steps")


@dataclass(frozen=True)
class MetricSettings:
    rolling_window: int = 50
    success_threshold: float = 150.0
    final_episodes: int = 100

    @classmethod
    def from_analysis(cls, a: dict) -> "MetricSettings":
        """From config.analysis_settings()."""
        return cls(a["rolling_window"], float(a["success_threshold"]), a["final_episodes"])


def rolling_mean(returns: np.ndarray, window: int) -> np.ndarray:
    """Mean of each full window of `window` consecutive episodes (no partial windows at the start)."""
    returns = np.asarray(returns, dtype=np.float64)
    if returns.size < window:
        return np.empty(0)
    c = np.concatenate([[0.0], np.cumsum(returns)])
    return (c[window:] - c[:-window]) / window


def episodes_to_threshold(returns: np.ndarray, window: int, threshold: float) -> int | None:
    """First episode (1-based) at which the `window`-episode rolling average exceeds `threshold`;
    None when it never does (the caller records a censored time)."""
    avg = rolling_mean(returns, window)
    hits = np.flatnonzero(avg > threshold)
    return int(hits[0]) + window if hits.size else None


def run_metrics(returns: np.ndarray, m: MetricSettings, steps: np.ndarray | None = None, env_steps: int | None = None) -> dict:
    """Section 2.4's metrics of one run; an unreached threshold is censored at the run's end (its
    episodes, and its environment steps: `env_steps`, else the sum of `steps`)."""
    returns = np.asarray(returns, dtype=np.float64)
    steps = np.ones(returns.size, dtype=np.int64) if steps is None else np.asarray(steps, dtype=np.int64)
    total = int(steps.sum()) if env_steps is None else int(env_steps)
    last = returns[-m.final_episodes :]
    hit = episodes_to_threshold(returns, m.rolling_window, m.success_threshold)
    avg = rolling_mean(returns, m.rolling_window)
    return {
        "final_performance": float(last.mean()),
        # sample standard deviation (ddof=1) of the last episodes' returns; lower is more stable
        "stability": float(last.std(ddof=1)) if last.size > 1 else 0.0,
        "episodes_to_threshold": hit if hit is not None else int(returns.size),
        "threshold_reached": hit is not None,
        "peak": float(returns.max()),
        "steps_to_threshold": int(steps[:hit].sum()) if hit is not None else total,
        "env_steps": total,
        "drawdown": float(avg.max() - avg[-1]) if avg.size else 0.0,
    }


def search_metrics(windows: pd.DataFrame) -> dict:
    """Where the architecture search went (Figure 6), from one run's architecture windows.

    visit_entropy: Shannon entropy (bits) of the architectures used over all windows; 0 for
    a fixed agent. best_pick_fraction: of the updates, the share whose pick was the
    architecture with the highest window score seen so far in the run (NaN without updates).
    """
    counts = windows["architecture"].value_counts().to_numpy(dtype=np.float64)
    p = counts / counts.sum()
    entropy = float(-(p * np.log2(p)).sum()) + 0.0
    names, scores = list(windows["architecture"]), windows["score"].to_numpy(dtype=np.float64)
    hits = [names[k] == names[int(np.nanargmax(scores[:k]))] for k in range(1, len(names)) if np.isfinite(scores[:k]).any()]
    return {"visit_entropy": entropy, "best_pick_fraction": float(np.mean(hits)) if hits else float("nan")}


def transition_metrics(windows: pd.DataFrame, episodes: int) -> dict:
    """What the search did to one run: transitions, the share of architecture updates that kept
    the architecture, episodes since the last transition at the end, and whether the last update
    switched (a run whose last window started on fresh weights is judged on a young network)."""
    switched = windows["transition"].astype(bool).to_numpy()[1:]
    last = windows.loc[windows["transition"].astype(bool), "start_episode"]
    return {
        "transitions": int(switched.sum()),
        "keep_fraction": float(1 - switched.mean()) if switched.size else float("nan"),
        "episodes_since_transition": int(episodes - last.iloc[-1] + 1) if len(last) else int(episodes),
        "last_update_switched": bool(switched[-1]) if switched.size else False,
    }


def top_shares(windows: pd.DataFrame, top: set[str]) -> dict:
    """Where one run's search went against the oracle's top architectures: the share of its windows
    spent on them, and whether its final architecture is one of them (1.0 or 0.0)."""
    names = list(windows["architecture"])
    return {"top5_visit_share": float(np.mean([n in top for n in names])), "top5_final_pick": float(names[-1] in top)}


def with_top_shares(per_run: pd.DataFrame, windows: dict[tuple[str, int], pd.DataFrame], searchers: list[str],
                    top: set[str]) -> pd.DataFrame:
    """per_run with the top-5 columns of every searching agent's runs filled in."""
    out = per_run.copy()
    for i, (agent, seed) in enumerate(zip(out["agent"], out["seed"])):
        if agent in searchers:
            for key, value in top_shares(windows[(agent, int(seed))], top).items():
                out.loc[out.index[i], key] = value
    return out


def greedy_metrics(evaluations: pd.DataFrame, m: MetricSettings, episodes: int) -> dict:
    """Greedy evaluation (not one of the paper's metrics): the last evaluation's mean return, and
    the first evaluation episode whose mean exceeds the threshold (censored at the budget)."""
    if evaluations.empty:
        return {"greedy_final": float("nan"), "greedy_episodes_to_threshold": float("nan"), "greedy_threshold_reached": False}
    above = evaluations.loc[evaluations["mean_return"] > m.success_threshold, "episode"]
    return {
        "greedy_final": float(evaluations["mean_return"].iloc[-1]),
        "greedy_episodes_to_threshold": int(above.iloc[0]) if len(above) else int(episodes),
        "greedy_threshold_reached": bool(len(above)),
    }


def load_run(ref: RunRecord, expected_episodes: int | None) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Read and validate a run directory's episodes.csv, architectures.csv and run.json."""
    run_dir = Path(ref.dir)
    episodes = read_episodes(run_dir / "episodes.csv", expected_episodes)
    windows = read_architectures(run_dir / "architectures.csv")
    info = read_run_json(run_dir / "run.json")
    if info["agent"] != ref.agent or info["seed"] != ref.seed:
        raise ResultsError(
            f"{run_dir / 'run.json'}: belongs to agent {info['agent']!r} seed {info['seed']}, "
            f"not to agent {ref.agent!r} seed {ref.seed}"
        )
    if info.get("episodes") != len(episodes):
        raise ResultsError(f"{run_dir / 'run.json'}: says {info.get('episodes')} episodes, episodes.csv holds {len(episodes)}")
    return episodes, windows, info


def per_run_table(refs: list[RunRecord], m: MetricSettings, expected_episodes: int | None,
                  windows_out: dict | None = None) -> pd.DataFrame:
    """One row per run (PER_RUN_COLUMNS); windows_out, if given, collects each run's architecture
    windows by (agent, seed)."""
    rows = []
    for ref in refs:
        run_dir = ref.dir
        episodes, windows, info = load_run(ref, expected_episodes)
        env_steps = info.get("run_env_steps")
        row = {"agent": info["agent"], "seed": info["seed"],
               **run_metrics(episodes["return"].to_numpy(), m, episodes["steps"].to_numpy(), None if env_steps is None else int(env_steps))}
        # a job that trained several seeds together shares its wall time among them
        row["runs_in_job"] = int(info["runs_in_job"])
        row["train_seconds"] = float(info["wall_seconds"]) / row["runs_in_job"]
        row["search_overhead_share"] = float(info.get("search_overhead_seconds", float("nan"))) / row["train_seconds"]
        row.update(search_metrics(windows))
        row.update(transition_metrics(windows, len(episodes)))
        row.update(greedy_metrics(read_evaluations(Path(run_dir) / "evaluations.csv"), m, len(episodes)))
        row.update({key: float("nan") for key in TOP_COLUMNS})
        if windows_out is not None:
            windows_out[(row["agent"], int(row["seed"]))] = windows
        rows.append(row)
    df = pd.DataFrame(rows, columns=PER_RUN_COLUMNS)
    return df.sort_values(["agent", "seed"], kind="stable").reset_index(drop=True)


def format_per_run(df: pd.DataFrame) -> str:
    """CSV text with repr() floats, so that equal runs give byte-identical tables."""
    rows = []
    for rec in df.to_dict("records"):
        for key in INT_COLUMNS:
            rec[key] = int(rec[key])
        if rec["greedy_episodes_to_threshold"] == rec["greedy_episodes_to_threshold"]:  # not NaN
            rec["greedy_episodes_to_threshold"] = int(rec["greedy_episodes_to_threshold"])
        for key in BOOL_COLUMNS:
            rec[key] = bool(rec[key])
        rows.append(rec)
    return csv_text(PER_RUN_COLUMNS, rows)


def read_per_run(path: str | Path) -> pd.DataFrame:
    """per_run.csv back into the table format_per_run wrote (the event flag as bool)."""
    df = pd.read_csv(path)
    missing = [c for c in PER_RUN_COLUMNS if c not in df.columns]
    if missing:
        raise ResultsError(f"{path}: missing column(s) {', '.join(missing)}")
    for key in BOOL_COLUMNS:
        df[key] = df[key].astype(bool)
    return df
