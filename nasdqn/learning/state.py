"""The parts of a training process that hold per-run state, each declaring what it saves.

A part lists the attributes it saves in `SAVED` (as Stable-Baselines3 declares the torch
parameters it saves); `Stateful.state_dict` copies exactly those, so a new piece of state is one
name in one list, and a miss shows as a failing resume test rather than a silent difference.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np


class Stateful:
    """state_dict / load_state_dict over the attributes named in SAVED (deep copies)."""

    SAVED: ClassVar[tuple[str, ...]] = ()

    def state_dict(self) -> dict:
        return {k: copy.deepcopy(getattr(self, k)) for k in self.SAVED}

    def load_state_dict(self, state: dict) -> None:
        for k in self.SAVED:
            setattr(self, k, copy.deepcopy(state[k]))


class Counters(Stateful):
    """Per run: episodes completed, environment steps, the return of the episode in flight and
    its current observation."""

    SAVED = ("episodes_done", "steps", "returns", "obs")

    def __init__(self, n: int, obs_dim: int) -> None:
        self.episodes_done = np.zeros(n, dtype=np.int64)
        self.steps = np.zeros(n, dtype=np.int64)  # environment steps of each run
        self.returns = np.zeros(n)
        self.obs = np.zeros((n, obs_dim), dtype=np.float32)


class EpisodeDraws(Stateful):
    """What each run draws at the start of an episode from its own streams, for every step of it:
    the exploration uniforms, the random actions, the minibatch uniforms (dqn.batch_size for each
    of its dqn.gradient_steps updates, per step), and its epsilon. `fresh[i]`: run i's next
    episode is not drawn yet."""

    SAVED = ("fresh", "explore", "random_actions", "minibatch", "epsilon")

    def __init__(self, n: int, max_steps: int, uniforms_per_step: list[int]) -> None:
        self.fresh = np.ones(n, dtype=bool)
        self.explore = np.zeros((n, max_steps))
        self.random_actions = np.zeros((n, max_steps), dtype=np.int64)
        self.minibatch = [np.zeros((max_steps, u)) for u in uniforms_per_step]
        self.epsilon = np.zeros(n)

    def draw(self, i: int, rngs: dict[str, np.random.Generator], n_actions: int, uniforms_per_step: int, epsilon: float) -> None:
        t = self.explore.shape[1]
        self.explore[i] = rngs["act"].random(t)
        self.random_actions[i] = rngs["act"].integers(0, n_actions, t)
        self.minibatch[i] = rngs["replay"].random((t, uniforms_per_step))
        self.epsilon[i] = epsilon

    def at(self, t: np.ndarray | int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exploration uniforms and random actions of every run at its step t (one t for all, or per run)."""
        if isinstance(t, int):
            return self.explore[:, t], self.random_actions[:, t]
        return self.explore[rows, t], self.random_actions[rows, t]


@dataclass
class RunLog:
    """What one run writes: the rows of episodes.csv and evaluations.csv, its returns, and the
    network at the end of each architecture window (agents that search)."""

    episodes: list[dict] = field(default_factory=list)
    returns: list[float] = field(default_factory=list)
    evaluations: list[dict] = field(default_factory=list)
    snapshots: list[dict] = field(default_factory=list)


class Recorder(Stateful):
    """Every run's log and the last finite episode-mean loss (for the divergence message)."""

    SAVED = ("logs", "last_finite_loss")

    def __init__(self, n: int) -> None:
        self.logs = [RunLog() for _ in range(n)]
        self.last_finite_loss = [float("nan")] * n

    def episode(self, i: int, ret: float, steps: int, epsilon: float, arch, loss: float) -> None:
        log = self.logs[i]
        log.returns.append(ret)
        log.episodes.append({"episode": len(log.returns), "return": ret, "steps": steps, "epsilon": epsilon,
                             "layers": arch.layers, "units": arch.units, "activation": arch.activation, "loss": loss})
        if math.isfinite(loss):
            self.last_finite_loss[i] = loss

    def rolling_mean(self, i: int, k: int = 50) -> float:
        r = self.logs[i].returns[-k:]
        return float(np.mean(r)) if r else float("nan")
