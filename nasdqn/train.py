"""The two-level training loop of section 2.3.3 (Algorithm 1), for any runs in one process.

Inner loop: epsilon-greedy Double DQN on each run's current architecture (`LearnerPool`).
Outer loop: at the end of each architecture window the search scores the architecture and
picks the next; a different pick triggers the model transition and memory pruning
(`ArchitectureSearch`). Every episode lasts exactly T steps, so the runs are pendulums
stepped as one array. Each run draws all its randomness from its own generators (spawned
from its seed), so a run's numbers do not depend on which runs share its process.
"""
from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from .agent import ReplayBuffer, fresh_member
from .columns import EPISODE_COLUMNS  # noqa: F401  (re-exported: the rows Trainer logs)
from .evaluate import eval_generator
from .faults import fault_armed, fault_point
from .policy import Policy
from .pool import LearnerPool
from .search import ArchitectureSearch
from .space import Architecture
from .spec import AgentSpec, Run
from .tasks import VecTask, greedy_task_returns

# Spawn order matters: stream i is SeedSequence(seed).spawn(...)[i]. The two controller kinds
# draw from different streams (docs/assumptions.md, "Random streams"); index 6 is the greedy
# evaluation stream (nasdqn/evaluate.py).
RNG_STREAMS = ("env", "act", "replay", "init", "controller_random", "controller_nas")


class TrainingDiverged(RuntimeError):
    """Loss or parameters became NaN/inf: stop instead of writing a curve of NaNs."""


def seed_generators(seed: int, controller: str) -> dict[str, np.random.Generator]:
    """Independent generators per purpose, so that e.g. a change of batch size does not move
    the pendulum's start states. Every agent shares the env, act, replay and init streams of
    its seed (common random numbers); the controller stream depends on the controller kind,
    so that NAS-DQN's picks are not Random-NAS's picks."""
    children = np.random.SeedSequence(seed).spawn(len(RNG_STREAMS))
    streams = {name: np.random.default_rng(child) for name, child in zip(RNG_STREAMS, children)}
    own = "controller_nas" if controller == "nas" else "controller_random"
    streams["controller"] = streams[own]
    return {k: v for k, v in streams.items() if not k.startswith("controller_")}


@dataclass(frozen=True)
class EvalSettings:
    """Greedy evaluation (epsilon = 0, no learning) every `every` episodes and after the last
    (0: off). It reads the networks and draws from the run's own evaluation stream only, so
    training is bit-identical with evaluation on or off."""

    every: int = 0
    episodes: int = 10

    def due(self, episode: int, last: bool) -> bool:
        return self.every > 0 and (episode % self.every == 0 or last)


@dataclass
class RunLog:
    """What one run writes: the rows of episodes.csv and evaluations.csv, its returns, and the
    network at the end of each architecture window (agents that search)."""

    episodes: list[dict] = field(default_factory=list)
    returns: list[float] = field(default_factory=list)
    evaluations: list[dict] = field(default_factory=list)
    snapshots: list[dict] = field(default_factory=list)


class Trainer:
    """State of a training process, advanced one environment step at a time.

    Each run has its own episode counter: a Gymnasium task's episodes end at different steps
    for different runs, while the pendulum's runs stay in lockstep (every episode lasts T
    steps). Saves (state_dict): every run's episode and step counters, the episode in flight
    (its draws, observation, return so far and the environments), every random generator, the
    learner pool, the replay memory, the architecture search, the logged rows and the search time.
    """

    def __init__(self, runs: list[Run], episodes: int, evaluation: EvalSettings = EvalSettings()) -> None:
        if episodes <= 0:
            raise ValueError(f"episodes: expected a positive integer, got {episodes}")
        _check_compatible(runs)
        self.runs, self.episodes, self.n, self.evaluation = list(runs), episodes, len(runs), evaluation
        self.env = VecTask(runs[0].spec.env, self.n)
        info = self.env.info
        self.rngs = [seed_generators(r.seed, r.spec.controller) for r in runs]
        self.search = ArchitectureSearch([r.spec for r in runs], [g["controller"] for g in self.rngs], episodes, info)
        archs = [Architecture.parse(self.search.current(i)) for i in range(self.n)]
        members = [fresh_member(a, g["init"], info.obs_dim, info.n_actions) for a, g in zip(archs, self.rngs)]
        self.pool = LearnerPool(archs, members, [r.spec.dqn for r in runs])
        self.buffer = ReplayBuffer(self.n, runs[0].spec.dqn.replay_size, info.obs_dim)
        self.logs = [RunLog() for _ in runs]
        self.episodes_done = np.zeros(self.n, dtype=np.int64)
        self._active = np.ones(self.n, dtype=bool)  # episodes_done < episodes, kept in step with it
        self._rows = np.arange(self.n)
        self.steps = np.zeros(self.n, dtype=np.int64)  # environment steps of each run
        self.fresh = np.ones(self.n, dtype=bool)  # the run's next episode is not drawn yet
        t, batch = info.max_steps, [r.spec.dqn.batch_size for r in runs]
        self.explore, self.random_actions = np.zeros((self.n, t)), np.zeros((self.n, t), dtype=np.int64)
        self.minibatch = [np.zeros((t, b)) for b in batch]
        self.epsilon, self.returns = np.zeros(self.n), np.zeros(self.n)
        self.obs = np.zeros((self.n, info.obs_dim), dtype=np.float32)
        self._greedy = np.zeros(self.n, dtype=np.int64)
        self.terminal_on_horizon = np.array([r.spec.dqn.terminal_on_horizon for r in runs])
        self.last_finite_loss = [float("nan")] * self.n
        self.search_seconds = 0.0  # wall time of scoring, selection, transition and pruning

    @property
    def episode(self) -> int:
        """Episodes every run has completed (the slowest run's count)."""
        return int(self.episodes_done.min())

    @property
    def total_steps(self) -> int:
        """Environment steps of all runs together."""
        return int(self.steps.sum())

    @property
    def active(self) -> np.ndarray:
        """Runs still training (a cached array: recomputed only when an episode count changes)."""
        return self._active

    @property
    def done(self) -> bool:
        return not self.active.any()

    def run_episode(self) -> None:
        """Step until every run has completed one more episode (one episode of the pendulum)."""
        target = self.episode + 1
        while not self.done:
            if self.step().size and (self.episode >= target or self.done):
                return

    def step(self) -> np.ndarray:
        """One environment step of every run still training (Algorithm 1's inner loop: act,
        step, store, learn, sync); returns the runs whose episode ended at this step."""
        self._start_episodes()
        active = self._active
        if fault_armed("episode") and (self.env.t == self.explore.shape[1] // 2).all():
            fault_point("episode")
        if self.env.lockstep:  # every run at the same step of its episode: plain slices
            t = int(self.env.t[0])
            explore, random_actions = self.explore[:, t], self.random_actions[:, t]
        else:
            t = np.minimum(self.env.t, self.explore.shape[1] - 1)
            explore, random_actions = self.explore[self._rows, t], self.random_actions[self._rows, t]
        self._greedy = self.pool.greedy(self.obs, self._greedy)
        action = np.where(explore < self.epsilon, random_actions, self._greedy)
        next_obs, reward, terminated, truncated = self.env.step(action, active)
        done = (terminated | (truncated & self.terminal_on_horizon)).astype(np.float64)
        everyone = self.env.lockstep or bool(active.all())
        self.buffer.add(self.obs, action, reward, next_obs, done, None if everyone else np.flatnonzero(active))
        if everyone:
            self.returns += reward
        else:
            self.returns[active] += reward[active]
        self.obs = next_obs
        self.steps += active
        same_step = int(self.steps[0]) if self.env.lockstep else None
        self.pool.learn(self.steps, active, self.buffer, lambda g: self._uniforms(g, t), same_step)
        self.pool.sync_targets(self.steps, active, same_step)
        if self.env.lockstep:
            ended = self._rows if truncated[0] else self._rows[:0]
        else:
            ended = np.flatnonzero(active & (terminated | truncated))
        if ended.size:
            self._end_episodes(ended)
        return ended

    def _uniforms(self, group, t: np.ndarray | int) -> np.ndarray:
        """The group members' minibatch uniforms (G, B) for the step each is at (t: per run, or
        one step for all)."""
        return np.stack([self.minibatch[i][t if isinstance(t, int) else t[i]] for i in group.runs])

    def _start_episodes(self) -> None:
        """Draw each starting run's episode from its own streams, then reset its environment."""
        if not self.fresh.any():
            return
        starting = np.flatnonzero(self.fresh & self.active)
        if not starting.size:
            return
        t = self.explore.shape[1]
        for i in starting:
            spec, g = self.runs[i].spec, self.rngs[i]
            self.explore[i] = g["act"].random(t)
            self.random_actions[i] = g["act"].integers(0, self.env.info.n_actions, t)
            self.minibatch[i] = g["replay"].random((t, spec.dqn.batch_size))
            e = int(self.episodes_done[i])
            self.epsilon[i] = self.search.epsilon(i, e, spec.dqn.epsilon_at(e))
        if starting.size == self.n:
            self.obs = self.env.reset_all([g["env"] for g in self.rngs])
        else:
            for i in starting:
                self.obs[i] = self.env.reset(i, self.rngs[i]["env"])
        self.returns[starting] = 0.0
        self.fresh[starting] = False

    def _end_episodes(self, ended: np.ndarray) -> None:
        self._check_finite(ended)
        losses = self.pool.take_mean_losses(ended)
        self.episodes_done[ended] += 1
        self._active = self.episodes_done < self.episodes
        self.fresh[ended] = True
        for i in ended:
            arch, e = self.pool.archs[i], int(self.episodes_done[i])
            self.logs[i].returns.append(float(self.returns[i]))
            self.logs[i].episodes.append({
                "episode": e, "return": float(self.returns[i]), "steps": int(self.env.t[i]), "epsilon": float(self.epsilon[i]),
                "layers": arch.layers, "units": arch.units, "activation": arch.activation, "loss": float(losses[i]),
            })
            if math.isfinite(losses[i]):
                self.last_finite_loss[i] = float(losses[i])
        due = [i for i in ended if self.evaluation.due(int(self.episodes_done[i]), self.episodes_done[i] == self.episodes)]
        if due:
            self._evaluate(due)
        self._snapshot_windows(ended)
        t0 = time.perf_counter()
        self._end_windows(ended)
        self.search_seconds += time.perf_counter() - t0

    def _evaluate(self, runs: list[int]) -> None:
        """These runs' current networks, greedily, on their evaluation start states."""
        for i in runs:
            run, arch = self.runs[i], self.pool.archs[i]
            policy = Policy(arch, self.pool.online_params(i))
            r = greedy_task_returns(policy.q_values, run.spec.env, eval_generator(run.seed), self.evaluation.episodes)
            self.logs[i].evaluations.append({"episode": int(self.episodes_done[i]), "mean_return": float(r.mean()),
                                             "min_return": float(r.min()), "max_return": float(r.max()), "architecture": arch.name})

    def _snapshot_windows(self, ended: np.ndarray) -> None:
        """Keep the network at the end of each architecture window of every run that searches."""
        for i in ended:
            e = int(self.episodes_done[i])
            if self.runs[i].spec.controller != "fixed" and self.search.window_ends(i, e):
                window = self.search.windows[i][-1]["window"]
                self.logs[i].snapshots.append({"window": window, "episode": e, "architecture": self.pool.archs[i].name,
                                               "params": self.pool.online_params(i)})

    def _end_windows(self, ended: np.ndarray) -> None:
        """Algorithm 1's outer loop for every run whose architecture window just ended."""
        ending = [i for i in ended if self.search.window_ends(i, int(self.episodes_done[i]))]
        picks = {i: p for i in ending
                 if (p := self.search.end_window(i, self.logs[i].returns, int(self.episodes_done[i]), self.rngs[i]["controller"]))}
        if not picks:
            return
        old = self.pool.members()
        new = {i: (p.arch, self.search.transition(i, old[i], p, self.buffer, self.rngs[i]["init"])) for i, p in picks.items()}
        fault_point("transition")
        self.pool.replace(new)

    def _check_finite(self, ended: np.ndarray) -> None:
        i = self.pool.first_diverged()
        if i is None:
            return
        run, e = self.runs[i], int(self.episodes_done[i])
        raise TrainingDiverged(
            f"agent {run.spec.name!r} seed {run.seed}: loss or weights became NaN/inf during episode {e + 1} "
            f"(environment steps {self.steps[i] - self.env.t[i] + 1}..{self.steps[i]}, architecture "
            f"{self.pool.archs[i].name}); last finite episode-mean loss {self.last_finite_loss[i]:.6g}. "
            "Lower dqn.learning_rate or check the config."
        )

    def rolling_mean(self, i: int, k: int = 50) -> float:
        r = self.logs[i].returns[-k:]
        return float(np.mean(r)) if r else float("nan")

    # ----- state ------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "episodes_done": self.episodes_done.copy(),
            "steps": self.steps.copy(),
            "in_flight": {"fresh": self.fresh.copy(), "explore": self.explore.copy(), "random_actions": self.random_actions.copy(),
                          "minibatch": [m.copy() for m in self.minibatch], "epsilon": self.epsilon.copy(),
                          "returns": self.returns.copy(), "obs": self.obs.copy(), "env": self.env.state_dict()},
            "pool": self.pool.state_dict(),
            "buffer": self.buffer.state_dict(),
            "search": self.search.state_dict(),
            "rngs": [{k: g.bit_generator.state for k, g in r.items()} for r in self.rngs],
            "logs": [vars(log) for log in self.logs],
            "last_finite_loss": list(self.last_finite_loss),
            "search_seconds": self.search_seconds,
            # not drawn from by the training code, saved so that no random state is missing
            "python_random": random.getstate(),
            "torch_random": torch.get_rng_state(),
        }

    def load_state_dict(self, state: dict) -> None:
        self.episodes_done, self.steps = state["episodes_done"].copy(), state["steps"].copy()
        self._active = self.episodes_done < self.episodes
        f = state["in_flight"]
        self.fresh, self.explore, self.random_actions = f["fresh"].copy(), f["explore"].copy(), f["random_actions"].copy()
        self.minibatch, self.epsilon = [m.copy() for m in f["minibatch"]], f["epsilon"].copy()
        self.returns, self.obs = f["returns"].copy(), f["obs"].copy()
        self.env.load_state_dict(f["env"])
        self.pool.load_state_dict(state["pool"])
        self.buffer.load_state_dict(state["buffer"])
        self.search.load_state_dict(state["search"])
        for r, s in zip(self.rngs, state["rngs"]):
            for k, g in r.items():
                g.bit_generator.state = s[k]
        self.logs = [RunLog(**log) for log in state["logs"]]
        self.last_finite_loss = list(state["last_finite_loss"])
        self.search_seconds = state["search_seconds"]
        random.setstate(state["python_random"])
        torch.set_rng_state(state["torch_random"])


def _same(values) -> bool:
    return len(set(values)) <= 1


def _check_compatible(runs: list[Run]) -> None:
    """Runs of one process step one environment array and share one replay-memory layout."""
    if not runs:
        raise ValueError("a training process needs at least one run")
    for what, key in (("env", lambda r: r.spec.env), ("dqn.replay_size", lambda r: r.spec.dqn.replay_size)):
        if not _same(key(r) for r in runs):
            raise ValueError(f"runs trained in one process must share their {what} settings")
    if len({(r.spec, r.seed) for r in runs}) != len(runs):
        raise ValueError("a run (agent, seed) appears twice in one process")


def train(
    runs: list[Run],
    episodes: int,
    progress: Callable[[Trainer, float], None] | None = None,
    progress_every: int = 100,
    trainer: Trainer | None = None,
    after_episode: Callable[[Trainer], None] | None = None,
    evaluation: EvalSettings = EvalSettings(),
) -> Trainer:
    """Run (or continue, given a restored `trainer`) a whole training.

    `progress(trainer, steps_per_second)` is called every progress_every episodes and
    `after_episode(trainer)` after every episode (the CLI takes checkpoints there).
    """
    torch.set_num_threads(1)
    trainer = trainer or Trainer(runs, episodes, evaluation)
    t0, step0, last = time.perf_counter(), trainer.total_steps, trainer.episode
    while not trainer.done:
        if not trainer.step().size or trainer.episode == last:  # episode counts change only when one ends
            continue
        last = trainer.episode  # every run has completed one more episode
        if after_episode:
            after_episode(trainer)
        if progress and (trainer.episode % progress_every == 0 or trainer.done):
            now = time.perf_counter()
            progress(trainer, (trainer.total_steps - step0) / max(now - t0, 1e-9))
            t0, step0 = now, trainer.total_steps
    return trainer


def runs_of(spec: AgentSpec, seeds: list[int]) -> list[Run]:
    return [Run(spec, s) for s in seeds]
