"""What a switch costs, read from runs' files: every episode's return against the environment
steps since the run's network last changed architecture, and compact learning curves.

A run's switches are the windows of its architectures.csv marked `transition`; the network in use
from a switch on is that window's. An episode's *age* is the number of environment steps from the
last switch at or before its first step (from the run's start if none) to its last step; a greedy
evaluation's age is that of the episode it follows. Averaging returns by age over runs gives the
switch-cost curve: how a network that just took over performs, and how long it takes to recover.
The fixed architectures' curves by age (age = steps since the start) are the reference of a
network trained from scratch on an empty replay memory.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from nasdqn.analysis.readers import read_table

FIXED = "fixed (from scratch)"  # the agent name of the fixed architectures' group in a switch-cost table

CURVE_POINTS = 100  # compact curves: the budget in this many equal bins of environment steps


def episode_ages(episodes: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """Per episode: its last step (cumulative environment steps), return and age since the last switch."""
    end = episodes["steps"].cumsum().to_numpy()
    start = end - episodes["steps"].to_numpy()  # steps before the episode's first step
    first_episodes = windows.loc[windows["transition"].astype(str).str.lower() == "true", "start_episode"].to_numpy(dtype=int)
    switch_steps = np.sort(np.concatenate([[0], start[first_episodes - 1]]))  # the step at which each switched network took over
    last = switch_steps[np.searchsorted(switch_steps, start, side="right") - 1]
    return pd.DataFrame({"episode": episodes["episode"].to_numpy(), "end_step": end, "return": episodes["return"].to_numpy(dtype=float),
                         "age": end - last})


def read_run(run_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(episodes with ages, greedy evaluations with ages) of one run."""
    episodes = read_table(run_dir / "episodes.csv", ["episode", "return", "steps"])
    windows = read_table(run_dir / "architectures.csv", ["start_episode", "transition"])
    evaluations = read_table(run_dir / "evaluations.csv", ["episode", "mean_return"])
    ages = episode_ages(episodes, windows)
    greedy = evaluations.merge(ages[["episode", "end_step", "age"]], on="episode", how="left")
    return ages, greedy[["episode", "end_step", "age", "mean_return"]]


def by_age(frames: list[pd.DataFrame], value: str, width: int, limit: int) -> pd.DataFrame:
    """Mean of `value` per bin of age [k width, (k + 1) width) up to `limit`, over the episodes of
    all frames (one per run), with how many episodes and runs each bin holds."""
    rows = []
    edges = np.arange(0, limit + width, width)
    for k in range(len(edges) - 1):
        parts = [f.loc[(f["age"] >= edges[k]) & (f["age"] < edges[k + 1]), value] for f in frames]
        values = pd.concat(parts) if parts else pd.Series(dtype=float)
        rows.append({"age_from": int(edges[k]), "age_to": int(edges[k + 1]), "episodes": int(values.size),
                     "runs": int(sum(p.size > 0 for p in parts)), "mean": float(values.mean()) if values.size else float("nan")})
    return pd.DataFrame(rows)


def compact_curve(ages: pd.DataFrame, budget: int, points: int = CURVE_POINTS) -> pd.DataFrame:
    """The run's training return as the mean of the episodes that end in each of `points` equal
    bins of its step budget (NaN where none ends), with the age at each bin's last episode."""
    width = budget / points
    bins = np.minimum((ages["end_step"].to_numpy() - 1) // width, points - 1).astype(int)
    frame = ages.assign(bin=bins).groupby("bin").agg(mean_return=("return", "mean"), episodes=("return", "size"), age=("age", "last"))
    frame = frame.reindex(range(points))
    frame.insert(0, "step", ((np.arange(points) + 1) * width).round().astype(int))
    return frame.reset_index(drop=True)


def window_in_steps(ages: list[pd.DataFrame], budget: int, window: int) -> tuple[int, int]:
    """(the most environment steps a run took, a window in environment steps): the window's share
    of the budget applied to the steps the runs took, so that ages bin the same way whether the
    protocol counts episodes or steps."""
    steps = max(int(a["end_step"].max()) for a in ages if len(a))
    return steps, max(1, steps * window // budget)


def switch_cost(groups: dict[tuple[str, str], list[tuple[pd.DataFrame, pd.DataFrame]]], steps: int, window: int) -> pd.DataFrame:
    """Training and greedy return by age for each (reading, agent) group of runs (read_run's frames),
    in bins of a fifth of a window: a searching agent's up to six windows, the fixed architectures'
    (agent FIXED) up to the most steps a run took. Columns: reading, agent, outcome and by_age's."""
    frames = []
    for (reading, agent), runs in groups.items():
        for what, value, k in (("training", "return", 0), ("greedy", "mean_return", 1)):
            table = by_age([r[k] for r in runs], value, max(1, window // 5), steps if agent == FIXED else window * 6)
            frames.append(table.assign(reading=reading, agent=agent, outcome=what))
    return pd.concat(frames, ignore_index=True)
