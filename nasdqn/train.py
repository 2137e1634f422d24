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
from .env import VecPendulum
from .evaluate import eval_generator, greedy_returns
from .faults import fault_armed, fault_point
from .policy import Policy
from .pool import LearnerPool
from .search import ArchitectureSearch
from .space import Architecture
from .spec import AgentSpec, Run

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


@dataclass
class EpisodeDraws:
    """Everything random one episode needs, drawn at its start from each run's streams."""

    explore: np.ndarray  # (n, T) uniforms of the epsilon coin
    random_actions: np.ndarray  # (n, T)
    minibatch: list[np.ndarray]  # per learner group: (G, T, B) uniforms of the replay indices
    epsilon: np.ndarray  # (n,)
    done: np.ndarray  # (n,) the done flag stored at the horizon


class Trainer:
    """State of a training process, advanced one episode at a time.

    Saves (state_dict): episode and step counters, every run's random generators, the learner
    pool, the replay memory, the architecture search, the logged rows and the measured
    search time. Checkpoints are taken between episodes, so no environment state is in flight.
    """

    def __init__(self, runs: list[Run], episodes: int, evaluation: EvalSettings = EvalSettings()) -> None:
        if episodes <= 0:
            raise ValueError(f"episodes: expected a positive integer, got {episodes}")
        _check_compatible(runs)
        self.runs, self.episodes, self.n, self.evaluation = list(runs), episodes, len(runs), evaluation
        self.rngs = [seed_generators(r.seed, r.spec.controller) for r in runs]
        self.search = ArchitectureSearch([r.spec for r in runs], [g["controller"] for g in self.rngs], episodes)
        archs = [Architecture.parse(self.search.current(i)) for i in range(self.n)]
        members = [fresh_member(a, g["init"]) for a, g in zip(archs, self.rngs)]
        self.pool = LearnerPool(archs, members, [r.spec.dqn for r in runs])
        env = runs[0].spec.env
        self.horizon = env.horizon
        self.buffer = ReplayBuffer(self.n, runs[0].spec.dqn.replay_size)
        self.env = VecPendulum(self.n, env)
        self.logs = [RunLog() for _ in runs]
        self.episode = 0  # episodes completed
        self.global_step = 0
        self.last_finite_loss = [float("nan")] * self.n
        self.search_seconds = 0.0  # wall time of scoring, selection, transition and pruning

    @property
    def done(self) -> bool:
        return self.episode >= self.episodes

    def run_episode(self) -> None:
        """One episode of every run: act, step, store, learn, sync (Algorithm 1's inner loop)."""
        draws = self._draw()
        obs = self.env.reset([g["env"] for g in self.rngs])
        returns = np.zeros(self.n)
        greedy = np.zeros(self.n, dtype=np.int64)
        die_at = self.horizon // 2 if fault_armed("episode") else -1
        for t in range(self.horizon):
            if t == die_at:
                fault_point("episode")
            greedy = self.pool.greedy(obs, greedy)
            action = np.where(draws.explore[:, t] < draws.epsilon, draws.random_actions[:, t], greedy)
            next_obs, reward, over = self.env.step(action)
            self.buffer.add(obs, action, reward, next_obs, draws.done if over else 0.0)
            returns += reward
            obs = next_obs
            self.global_step += 1
            self.pool.learn(self.global_step, self.buffer, draws.minibatch, t)
            self.pool.sync_targets(self.global_step)
        self._end_episode(returns, draws.epsilon)

    def _draw(self) -> EpisodeDraws:
        """Each run's draws for the coming episode, in a fixed order per stream."""
        t = self.horizon
        specs = [r.spec for r in self.runs]
        explore = np.stack([g["act"].random(t) for g in self.rngs])
        random_actions = np.stack([g["act"].integers(0, 3, t) for g in self.rngs])
        minibatch = [g["replay"].random((t, s.dqn.batch_size)) for g, s in zip(self.rngs, specs)]
        grouped = self.pool.group_uniforms(np.stack(minibatch)) if _same(s.dqn.batch_size for s in specs) else \
            [np.stack([minibatch[i] for i in g.runs]) for g in self.pool.groups]
        epsilon = np.array([self.search.epsilon(i, self.episode, s.dqn.epsilon_at(self.episode)) for i, s in enumerate(specs)])
        done = np.array([1.0 if s.dqn.terminal_on_horizon else 0.0 for s in specs])
        return EpisodeDraws(explore, random_actions, grouped, epsilon, done)

    def _end_episode(self, returns: np.ndarray, epsilon: np.ndarray) -> None:
        self._check_finite()
        losses = self.pool.take_mean_losses()
        self.episode += 1
        for i, log in enumerate(self.logs):
            arch = self.pool.archs[i]
            log.returns.append(float(returns[i]))
            log.episodes.append({
                "episode": self.episode, "return": float(returns[i]), "steps": self.horizon, "epsilon": float(epsilon[i]),
                "layers": arch.layers, "units": arch.units, "activation": arch.activation, "loss": float(losses[i]),
            })
            if math.isfinite(losses[i]):
                self.last_finite_loss[i] = float(losses[i])
        if self.evaluation.due(self.episode, self.done):
            self._evaluate()
        self._snapshot_windows()
        t0 = time.perf_counter()
        self._end_windows()
        self.search_seconds += time.perf_counter() - t0

    def _evaluate(self) -> None:
        """Every run's current network, greedily, on its evaluation start states."""
        for i, run in enumerate(self.runs):
            arch = self.pool.archs[i]
            policy = Policy(arch, self.pool.online_params(i))
            r = greedy_returns(policy.q_values, run.spec.env, eval_generator(run.seed), self.evaluation.episodes)
            self.logs[i].evaluations.append({"episode": self.episode, "mean_return": float(r.mean()), "min_return": float(r.min()),
                                             "max_return": float(r.max()), "architecture": arch.name})

    def _snapshot_windows(self) -> None:
        """Keep the network at the end of each architecture window of every run that searches."""
        for i, run in enumerate(self.runs):
            if run.spec.controller != "fixed" and self.search.window_ends(i, self.episode):
                window = self.search.windows[i][-1]["window"]
                self.logs[i].snapshots.append({"window": window, "episode": self.episode, "architecture": self.pool.archs[i].name,
                                               "params": self.pool.online_params(i)})

    def _end_windows(self) -> None:
        """Algorithm 1's outer loop for every run whose architecture window just ended."""
        ending = [i for i in range(self.n) if self.search.window_ends(i, self.episode)]
        picks = {i: p for i in ending if (p := self.search.end_window(i, self.logs[i].returns, self.episode, self.rngs[i]["controller"]))}
        if not picks:
            return
        old = self.pool.members()
        new = {i: (p.arch, self.search.transition(i, old[i], p, self.buffer, self.rngs[i]["init"])) for i, p in picks.items()}
        fault_point("transition")
        self.pool.replace(new)

    def _check_finite(self) -> None:
        i = self.pool.first_diverged()
        if i is None:
            return
        run = self.runs[i]
        raise TrainingDiverged(
            f"agent {run.spec.name!r} seed {run.seed}: loss or weights became NaN/inf during episode {self.episode + 1} "
            f"(environment steps {self.global_step - self.horizon + 1}..{self.global_step}, architecture "
            f"{self.pool.archs[i].name}); last finite episode-mean loss {self.last_finite_loss[i]:.6g}. "
            "Lower dqn.learning_rate or check the config."
        )

    def rolling_mean(self, i: int, k: int = 50) -> float:
        r = self.logs[i].returns[-k:]
        return float(np.mean(r)) if r else float("nan")

    # ----- state ------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "episode": self.episode,
            "global_step": self.global_step,
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
        self.episode, self.global_step = state["episode"], state["global_step"]
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
    """Runs of one process step one pendulum array and share one replay-memory layout."""
    if not runs:
        raise ValueError("a training process needs at least one run")
    for what, key in (("env", lambda r: r.spec.env), ("dqn.replay_size", lambda r: r.spec.dqn.replay_size)):
        if not _same(key(r) for r in runs):
            raise ValueError(f"runs trained in one process must share their {what} settings")
    if len({(r.spec.name, r.seed) for r in runs}) != len(runs):
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
    t0, step0 = time.perf_counter(), trainer.global_step
    while not trainer.done:
        trainer.run_episode()
        if after_episode:
            after_episode(trainer)
        if progress and (trainer.episode % progress_every == 0 or trainer.done):
            now = time.perf_counter()
            progress(trainer, (trainer.global_step - step0) * trainer.n / max(now - t0, 1e-9))
            t0, step0 = now, trainer.global_step
    return trainer


def runs_of(spec: AgentSpec, seeds: list[int]) -> list[Run]:
    return [Run(spec, s) for s in seeds]
