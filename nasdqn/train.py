"""The two-level training loop of section 2.3.3 (Algorithm 1) for S seeds of one agent.

Inner loop: epsilon-greedy Double DQN on the current architecture. Outer loop: every
`arch_update_interval` episodes the controller scores the current architecture and
picks the next one; a different pick triggers the model transition and memory pruning.

Seeds run in lockstep (every episode lasts exactly T steps), so S seeds are S
pendulums stepped as arrays; seeds that currently share an architecture are trained
with one stacked network. Each seed draws all its randomness from its own generators
(spawned from its seed), so a seed's stream of random numbers does not depend on which
other seeds share its process.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from .agent import DQNGroup, DQNSettings, MemberState, ReplayBuffer, fresh_member
from .controller import FixedController, NASController, NASSettings, Pick, RandomController
from .env import PendulumParams, VecPendulum
from .faults import fault_armed, fault_point
from .network import SEARCH_SPACE, Architecture

EPISODE_COLUMNS = ["episode", "return", "steps", "epsilon", "layers", "units", "activation", "loss"]
ARCHITECTURE_COLUMNS = [
    "window", "start_episode", "end_episode", "architecture", "layers", "units", "activation",
    "score", "controller_epsilon", "pick", "transition",
]
# Spawn order matters: stream i is SeedSequence(seed).spawn(...)[i]. The two controller kinds
# draw from different streams (docs/assumptions.md, "Random streams"); index 6 is the greedy
# evaluation stream (nasdqn/evaluate.py).
RNG_STREAMS = ("env", "act", "replay", "init", "controller_random", "controller_nas")


@dataclass(frozen=True)
class AgentSpec:
    """One agent of the study, fully resolved from the config."""

    name: str
    controller: str  # "fixed", "random" or "nas"
    architecture: Architecture | None
    dqn: DQNSettings
    nas: NASSettings
    env: PendulumParams


class TrainingDiverged(RuntimeError):
    """Loss or parameters became NaN/inf: stop instead of writing a curve of NaNs."""


def inherit_params(old: list[np.ndarray], new: list[np.ndarray]) -> list[np.ndarray]:
    """Copy into `new` the overlapping block of each matching layer of `old` (see _transition)."""
    n_old, n_new = len(old) // 2, len(new) // 2
    out = [p.copy() for p in new]
    pairs = [(l, l) for l in range(min(n_old, n_new) - 1)] + [(n_old - 1, n_new - 1)]
    for lo, ln in pairs:
        for src, dst in ((old[lo], out[ln]), (old[n_old + lo], out[n_new + ln])):
            r, c = min(src.shape[0], dst.shape[0]), min(src.shape[1], dst.shape[1])
            dst[:r, :c] = src[:r, :c]
    return out


def make_controller(spec: AgentSpec):
    if spec.controller == "fixed":
        assert spec.architecture is not None
        return FixedController(spec.architecture)
    if spec.controller == "random":
        return RandomController(spec.nas)
    return NASController(spec.nas)


def seed_generators(seed: int, controller: str) -> dict[str, np.random.Generator]:
    """Independent generators per purpose, so that e.g. a change of batch size does not move
    the pendulum's start states. Every agent shares the env, act, replay and init streams of
    its seed (common random numbers); the controller stream depends on the controller kind,
    so that NAS-DQN's picks are not Random-NAS's picks."""
    children = np.random.SeedSequence(seed).spawn(len(RNG_STREAMS))
    streams = {name: np.random.default_rng(child) for name, child in zip(RNG_STREAMS, children)}
    streams["controller"] = streams.pop(f"controller_{controller}", streams["controller_random"])
    streams.pop("controller_random", None)
    streams.pop("controller_nas", None)
    return streams


@dataclass
class SeedLog:
    """The rows one seed contributes to episodes.csv and architectures.csv."""

    episodes: list[dict] = field(default_factory=list)
    windows: list[dict] = field(default_factory=list)
    returns: list[float] = field(default_factory=list)


class Trainer:
    """State of a (possibly multi-seed) training run, advanced one episode at a time."""

    def __init__(self, spec: AgentSpec, seeds: list[int], episodes: int) -> None:
        if episodes <= 0:
            raise ValueError(f"episodes: expected a positive integer, got {episodes}")
        self.spec = spec
        self.seeds = list(seeds)
        self.episodes = episodes
        self.n = len(seeds)
        self.rngs = [seed_generators(s, spec.controller) for s in seeds]
        self.controllers = [make_controller(spec) for _ in seeds]
        picks = [c.initial(r["controller"]) for c, r in zip(self.controllers, self.rngs)]
        self.archs: list[Architecture] = [p.arch for p in picks]
        members = [fresh_member(a, r["init"]) for a, r in zip(self.archs, self.rngs)]
        self.groups = self._build_groups(members)
        self.buffer = ReplayBuffer(self.n, spec.dqn.replay_size)
        self.env = VecPendulum(self.n, spec.env)
        self.logs = [SeedLog() for _ in seeds]
        for log, pick in zip(self.logs, picks):
            log.windows.append(self._window_row(0, pick, transition=False))
        self.episode = 0  # episodes completed
        self.global_step = 0
        self.last_finite_loss = [float("nan")] * self.n
        self.search_seconds = 0.0  # wall time of scoring, selection, transition and pruning

    # ----- grouping of seeds by architecture -------------------------------------------
    def _build_groups(self, members: list[MemberState]) -> list[DQNGroup]:
        groups = []
        for arch in SEARCH_SPACE:
            idx = [i for i, a in enumerate(self.archs) if a == arch]
            if idx:
                groups.append(DQNGroup(arch, idx, [members[i] for i in idx], self.spec.dqn))
        return groups

    def _members(self) -> list[MemberState]:
        out: list[MemberState | None] = [None] * self.n
        for g in self.groups:
            for k, i in enumerate(g.seeds):
                out[int(i)] = g.member(k)
        return out  # type: ignore[return-value]

    # ----- outer loop: scoring, selection, transition -----------------------------------
    def _window_row(self, window: int, pick: Pick, transition: bool) -> dict:
        m = self.spec.nas.arch_update_interval
        return {
            "window": window,
            "start_episode": window * m + 1,
            "end_episode": min((window + 1) * m, self.episodes),
            "architecture": pick.arch.name,
            "layers": pick.arch.layers,
            "units": pick.arch.units,
            "activation": pick.arch.activation,
            "score": float("nan"),
            "controller_epsilon": pick.epsilon,
            "pick": pick.kind,
            "transition": transition,
        }

    def _score(self, i: int) -> float:
        """S(c): mean return over the last score_episodes episodes of the window just ended."""
        start = self.logs[i].windows[-1]["start_episode"] - 1
        first = max(start, self.episode - self.spec.nas.score_episodes)
        return float(np.mean(self.logs[i].returns[first : self.episode]))

    def _end_window(self, last: bool) -> None:
        for i in range(self.n):
            self.logs[i].windows[-1]["score"] = self._score(i)
        if last:
            return
        window = self.episode // self.spec.nas.arch_update_interval
        members = None
        changed = False
        for i in range(self.n):
            pick = self.controllers[i].update(self.archs[i], self.logs[i].windows[-1]["score"], self.rngs[i]["controller"])
            transition = pick.arch != self.archs[i]
            self.logs[i].windows.append(self._window_row(window, pick, transition))
            if transition:
                if members is None:
                    members = self._members()
                members[i] = self._transition(i, members[i], pick.arch)
                self.archs[i] = pick.arch
                changed = True
        if changed:
            fault_point("transition")
            self.groups = self._build_groups(members)

    def _transition(self, i: int, old: MemberState, arch: Architecture) -> MemberState:
        """Model transition and memory pruning for seed i moving to `arch`.

        "reinit": the new network starts from a fresh initialisation (the paper's reading).
        "inherit": it starts fresh, then takes the overlapping block of every weight matrix
        and bias it shares with the old network (hidden layer l from hidden layer l, output
        from output), a cheap Net2Net-style warm start. The optimiser state always restarts.
        """
        nas, dqn = self.spec.nas, self.spec.dqn
        member = fresh_member(arch, self.rngs[i]["init"])
        if nas.transition == "inherit":
            member.online = inherit_params(old.online, member.online)
            member.target = [p.copy() for p in member.online]
        if nas.memory_pruning == "keep_recent":
            size = int(self.buffer.size[i])
            keep = max(int(round(nas.prune_keep_fraction * size)), min(size, dqn.learning_starts))
            self.buffer.keep_recent(i, keep)
        return member

    # ----- inner loop --------------------------------------------------------------------
    def run_episode(self) -> None:
        dqn, horizon = self.spec.dqn, self.spec.env.horizon
        m = self.spec.nas.arch_update_interval
        eps = dqn.epsilon_at(self.episode)
        explore_u = np.stack([r["act"].random(horizon) for r in self.rngs])
        random_a = np.stack([r["act"].integers(0, 3, horizon) for r in self.rngs])
        sample_u = np.stack([r["replay"].random((horizon, dqn.batch_size)) for r in self.rngs])
        obs = self.env.reset([r["env"] for r in self.rngs])
        returns = np.zeros(self.n)
        greedy = np.zeros(self.n, dtype=np.int64)
        single = len(self.groups) == 1
        done_flag = 1.0 if dqn.terminal_on_horizon else 0.0
        die_at = horizon // 2 if fault_armed("episode") else -1
        for t in range(horizon):
            if t == die_at:
                fault_point("episode")
            if single:
                greedy = self.groups[0].greedy_actions(obs)
            else:
                for g in self.groups:
                    greedy[g.seeds] = g.greedy_actions(obs[g.seeds])
            action = np.where(explore_u[:, t] < eps, random_a[:, t], greedy)
            next_obs, reward, over = self.env.step(action)
            self.buffer.add(obs, action, reward, next_obs, done_flag if over else 0.0)
            returns += reward
            obs = next_obs
            self.global_step += 1
            if self.global_step >= dqn.learning_starts and self.global_step % dqn.train_freq == 0:
                for g in self.groups:
                    g.update(self.buffer.sample(g.seeds, sample_u[g.seeds, t]))
            if self.global_step % dqn.target_update_steps == 0:
                for g in self.groups:
                    g.sync_target()
        self._check_finite()
        losses = np.full(self.n, np.nan)
        for g in self.groups:
            losses[g.seeds] = g.take_mean_loss()
        self.episode += 1
        for i in range(self.n):
            arch = self.archs[i]
            self.logs[i].returns.append(float(returns[i]))
            self.logs[i].episodes.append({
                "episode": self.episode, "return": float(returns[i]), "steps": horizon, "epsilon": eps,
                "layers": arch.layers, "units": arch.units, "activation": arch.activation, "loss": float(losses[i]),
            })
            if math.isfinite(losses[i]):
                self.last_finite_loss[i] = float(losses[i])
        if self.episode % m == 0 or self.episode == self.episodes:
            t0 = time.perf_counter()
            self._end_window(last=self.episode == self.episodes)
            self.search_seconds += time.perf_counter() - t0

    def _check_finite(self) -> None:
        for g in self.groups:
            bad = ~torch.isfinite(g.loss_sum)
            for p in g.online.params:
                bad |= ~torch.isfinite(p).flatten(1).all(dim=1)
            if bool(bad.any()):
                k = int(torch.nonzero(bad)[0, 0])
                i = int(g.seeds[k])
                raise TrainingDiverged(
                    f"agent {self.spec.name!r} seed {self.seeds[i]}: loss or weights became NaN/inf during "
                    f"episode {self.episode + 1} (environment steps {self.global_step - self.spec.env.horizon + 1}"
                    f"..{self.global_step}, architecture {self.archs[i].name}); last finite episode-mean loss "
                    f"{self.last_finite_loss[i]:.6g}. Lower dqn.learning_rate or check the config."
                )

    @property
    def done(self) -> bool:
        return self.episode >= self.episodes

    def rolling_mean(self, i: int, k: int = 50) -> float:
        r = self.logs[i].returns[-k:]
        return float(np.mean(r)) if r else float("nan")


def train(
    spec: AgentSpec,
    seeds: list[int],
    episodes: int,
    progress: Callable[[Trainer, float], None] | None = None,
    progress_every: int = 100,
    trainer: Trainer | None = None,
    after_episode: Callable[[Trainer], None] | None = None,
) -> Trainer:
    """Run (or continue, given a restored `trainer`) a whole training.

    `progress(trainer, steps_per_second)` is called every progress_every episodes and
    `after_episode(trainer)` after every episode (the CLI takes checkpoints there).
    """
    torch.set_num_threads(1)
    trainer = trainer or Trainer(spec, seeds, episodes)
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
