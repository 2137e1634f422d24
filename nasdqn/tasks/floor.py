"""The sanity floor of a task: what a policy that learned nothing gets on the evaluation stream.

For every seed, the uniform-random policy and each constant-action policy play the seed's greedy
evaluation episodes (the same start states as the runs' evaluations.csv): an agent whose greedy
return does not beat the uniform-random policy's on the same seed did not learn. The random
policy's actions come from the seed's own "floor" stream (nasdqn/settings/streams.py).
"""
from __future__ import annotations

import numpy as np

from nasdqn.settings.streams import spawn_key
from nasdqn.tasks.base import QFunction, Task
from nasdqn.tasks.evaluation import eval_generator

FLOOR_COLUMNS = ["policy", "seed", "mean_return", "min_return", "max_return", "episodes"]


def uniform_random(n_actions: int, seed: int) -> QFunction:
    """Q-values drawn uniformly at random: their argmax is a uniform action at every step."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(spawn_key("floor"),)))
    return lambda obs: rng.random((len(obs), n_actions))


def constant(action: int, n_actions: int) -> QFunction:
    def q(obs: np.ndarray) -> np.ndarray:
        out = np.zeros((len(obs), n_actions))
        out[:, action] = 1.0
        return out

    return q


def policies(task: Task, seed: int) -> dict[str, QFunction]:
    n = task.info.n_actions
    return {"uniform_random": uniform_random(n, seed), **{f"constant_{a}": constant(a, n) for a in range(n)}}


def floor_rows(task: Task, seeds: list[int], episodes: int) -> list[dict]:
    """One row per policy and seed: its returns over the seed's evaluation episodes."""
    rows = []
    for seed in seeds:
        for name, q in policies(task, seed).items():
            r = task.greedy_returns(q, eval_generator(seed), episodes, side_by_side=False)
            rows.append({"policy": name, "seed": seed, "mean_return": float(r.mean()), "min_return": float(r.min()),
                         "max_return": float(r.max()), "episodes": episodes})
    return rows
