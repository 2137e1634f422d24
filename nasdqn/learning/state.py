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

    def begin(self, starting: np.ndarray, env, env_rngs: list[np.random.Generator]) -> None:
        """Reset the environments of the `starting` runs (each from its env stream) and their returns."""
        if starting.size == len(self.steps):
            self.obs = env.reset_all(env_rngs)
        else:
            for i in starting:
                self.obs[i] = env.reset(i, env_rngs[i])
        self.returns[starting] = 0.0

    def advance(self, reward: np.ndarray, next_obs: np.ndarray, active: np.ndarray) -> None:
        """One environment step of the active runs: add the rewards, move to the next observations."""
        if active.all():
            self.returns += reward
        else:
            self.returns[active] += reward[active]
        self.obs = next_obs
        self.steps += active


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
        self._rows = np.arange(n)
        self._t: np.ndarray | int = 0  # each run's step of its episode at the last action (one int when all are equal)

    def starting(self, active: np.ndarray) -> np.ndarray:
        """The active runs whose next episode is not drawn yet."""
        return np.flatnonzero(self.fresh & active) if self.fresh.any() else self._rows[:0]

    def draw(self, i: int, rngs: dict[str, np.random.Generator], n_actions: int, uniforms_per_step: int, epsilon: float) -> None:
        t = self.explore.shape[1]
        self.explore[i] = rngs["act"].random(t)
        self.random_actions[i] = rngs["act"].integers(0, n_actions, t)
        self.minibatch[i] = rngs["replay"].random((t, uniforms_per_step))
        self.epsilon[i] = epsilon
        self.fresh[i] = False

    def epsilon_greedy(self, greedy: np.ndarray, env) -> np.ndarray:
        """Each run's action at its current step: with probability epsilon its random action, else
        the greedy one (section 2.3.1), from the uniforms drawn for that step of its episode."""
        if env.lockstep:  # every run at the same step of its episode
            t = int(env.t[0])
            self._t, explore, random_actions = t, self.explore[:, t], self.random_actions[:, t]
        else:
            t = np.minimum(env.t, self.explore.shape[1] - 1)
            self._t, explore, random_actions = t, self.explore[self._rows, t], self.random_actions[self._rows, t]
        return np.where(explore < self.epsilon, random_actions, greedy)

    def minibatch_uniforms(self, runs: np.ndarray) -> np.ndarray:
        """The minibatch uniforms (G, B) of `runs` for the step each acted at last."""
        t = self._t
        return np.stack([self.minibatch[i][t if isinstance(t, int) else t[i]] for i in runs])


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
