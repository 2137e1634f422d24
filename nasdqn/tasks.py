"""Tasks: the paper's pendulum (section 2.1), or any discrete-action Gymnasium environment.

The trainer sees every task through `VecTask`: one environment per run, reset one run at a
time from that run's own env stream, stepped together. Episodes of a Gymnasium task end at
different steps for different runs (terminated: the task ended, no bootstrap; truncated: the
time limit, bootstrap through it). The pendulum keeps its vectorised numpy implementation,
whose episodes all last T steps.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .config import PENDULUM_ID, PENDULUM_KEYS
from .env import PendulumParams, VecPendulum, observe, sample_initial_state
from .evaluate import greedy_returns
from .space import check_choices


@dataclass(frozen=True)
class TaskSettings:
    """The config's `env` section: which task, and how its observations are scaled."""

    id: str = PENDULUM_ID
    max_episode_steps: int | None = None  # the time limit; None: the task's own (the pendulum's T = 200)
    observation_scale: tuple[float, ...] | None = None  # multiplies each observation component
    initial_state: Literal["near_upright", "full_circle"] = "near_upright"  # pendulum only
    initial_theta_high: float = 0.05
    initial_omega_high: float = 0.05

    def __post_init__(self) -> None:
        check_choices(self)
        if self.observation_scale is not None:
            object.__setattr__(self, "observation_scale", tuple(float(s) for s in self.observation_scale))

    @property
    def is_pendulum(self) -> bool:
        return self.id == PENDULUM_ID

    @property
    def pendulum(self) -> PendulumParams:
        horizon = {"horizon": self.max_episode_steps} if self.max_episode_steps else {}
        return PendulumParams(**{k: getattr(self, k) for k in PENDULUM_KEYS}, **horizon)

    def policy_meta(self) -> dict:
        """What a saved policy records of its task (plain str/int/float values)."""
        meta: dict = {"task": self.id}
        if self.max_episode_steps:
            meta["max_episode_steps"] = self.max_episode_steps
        if self.observation_scale is not None:
            meta["observation_scale"] = ",".join(repr(s) for s in self.observation_scale)
        if self.is_pendulum:
            meta.update({k: getattr(self, k) for k in PENDULUM_KEYS})
        return meta

    @classmethod
    def from_policy_meta(cls, meta: dict) -> "TaskSettings":
        kwargs = {k: meta[k] for k in ("max_episode_steps", *PENDULUM_KEYS) if k in meta}
        if "observation_scale" in meta:
            kwargs["observation_scale"] = tuple(float(s) for s in str(meta["observation_scale"]).split(","))
        return cls(id=str(meta.get("task", PENDULUM_ID)), **kwargs)


def make_gym(settings: TaskSettings, render_mode: str | None = None):
    import gymnasium

    from . import gym_env  # noqa: F401  (registers nasdqn/InvertedPendulum-v0)

    kwargs = {"params": settings.pendulum} if settings.is_pendulum else {}
    if settings.max_episode_steps and not settings.is_pendulum:
        kwargs["max_episode_steps"] = settings.max_episode_steps
    return gymnasium.make(settings.id, render_mode=render_mode, **kwargs)


@dataclass(frozen=True)
class TaskInfo:
    obs_dim: int
    n_actions: int
    max_steps: int  # the time limit: episode draws are made for this many steps


def task_info(settings: TaskSettings) -> TaskInfo:
    if settings.is_pendulum:
        return TaskInfo(3, 3, settings.pendulum.horizon)
    env = make_gym(settings)
    try:
        n = getattr(env.action_space, "n", None)
        if n is None or len(env.observation_space.shape) != 1:
            raise ValueError(f"env.id {settings.id!r}: needs a discrete action space and a flat observation vector")
        limit = env.spec.max_episode_steps if env.spec is not None else None
        if not limit:
            raise ValueError(f"env.id {settings.id!r}: has no time limit (max_episode_steps); episodes must end")
        return TaskInfo(int(env.observation_space.shape[0]), int(n), int(limit))
    finally:
        env.close()


class VecTask:
    """One environment per run. step() steps every run that is `active`; reset(i) starts run
    i's next episode. Observations are float32 rows, scaled by observation_scale if set."""

    def __init__(self, settings: TaskSettings, n: int) -> None:
        self.settings, self.n = settings, n
        self.info = task_info(settings)
        self.scale = scale_array(settings)
        if self.scale is not None and self.scale.shape != (self.info.obs_dim,):
            raise ValueError(f"env.observation_scale: expected {self.info.obs_dim} numbers for {settings.id}")
        self.t = np.zeros(n, dtype=np.int64)
        self._never = np.zeros(n, dtype=bool)  # the pendulum never terminates (read only)
        self._never.flags.writeable = False
        self.pendulum = VecPendulum(n, settings.pendulum) if settings.is_pendulum else None
        # the pendulum's runs start together and every episode lasts T steps: they stay in lockstep
        self.lockstep = self.pendulum is not None
        self.envs = None if settings.is_pendulum else [make_gym(settings) for _ in range(n)]

    def reset_all(self, rngs: list[np.random.Generator]) -> np.ndarray:
        if self.pendulum is not None:
            self.t[:] = 0
            return scaled(self.pendulum.reset(rngs), self.scale)
        return np.stack([self.reset(i, rngs[i]) for i in range(self.n)])

    def reset(self, i: int, rng: np.random.Generator) -> np.ndarray:
        """Start run i's next episode from its env stream; the new observation row."""
        self.t[i] = 0
        if self.pendulum is not None:
            p = self.pendulum
            p.theta[i], p.omega[i] = sample_initial_state(rng, p.params)
            return scaled(observe(p.theta[i : i + 1], p.omega[i : i + 1])[0], self.scale)
        obs, _ = self.envs[i].reset(seed=int(rng.integers(2**31 - 1)))
        return scaled(np.asarray(obs, dtype=np.float32), self.scale)

    def step(self, actions: np.ndarray, active: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(obs, reward, terminated, truncated) of every run; inactive runs are not stepped."""
        self.t += active
        if self.pendulum is not None:
            obs, reward, _ = self.pendulum.step(actions)
            return scaled(obs, self.scale), reward, self._never, self.t >= self.pendulum.params.horizon
        obs = np.zeros((self.n, self.info.obs_dim), dtype=np.float32)
        reward = np.zeros(self.n)
        terminated, truncated = np.zeros(self.n, dtype=bool), np.zeros(self.n, dtype=bool)
        for i in np.flatnonzero(active):
            o, r, term, trunc, _ = self.envs[i].step(int(actions[i]))
            obs[i], reward[i], terminated[i], truncated[i] = o, r, term, trunc
        return scaled(obs, self.scale), reward, terminated, truncated

    def state_dict(self) -> dict:
        """Everything an episode in flight depends on (pickled Gymnasium envs, their RNGs)."""
        if self.pendulum is not None:
            return {"t": self.t.copy(), "theta": self.pendulum.theta.copy(), "omega": self.pendulum.omega.copy(),
                    "pendulum_t": self.pendulum.t}
        return {"t": self.t.copy(), "envs": self.envs}

    def load_state_dict(self, state: dict) -> None:
        self.t = state["t"].copy()
        if self.pendulum is not None:
            self.pendulum.theta, self.pendulum.omega = state["theta"].copy(), state["omega"].copy()
            self.pendulum.t = state["pendulum_t"]
        else:
            self.envs = state["envs"]


def greedy_task_returns(q_fn, settings: TaskSettings, rng: np.random.Generator, episodes: int) -> np.ndarray:
    """Undiscounted returns of `episodes` greedy episodes of the task, each started from the
    run's evaluation stream `rng`: the pendulum's vectorised evaluation (nasdqn.evaluate), or a
    Gymnasium task reset from a seed drawn from rng."""
    scale = scale_array(settings)
    if settings.is_pendulum:  # the network sees observations as in training: scaled if set
        q = q_fn if scale is None else (lambda obs: q_fn(scaled(obs, scale)))
        return greedy_returns(q, settings.pendulum, rng, episodes)
    env = make_gym(settings)
    out = np.zeros(episodes)
    try:
        for k in range(episodes):
            obs, _ = env.reset(seed=int(rng.integers(2**31 - 1)))
            done = False
            while not done:
                x = scaled(np.asarray(obs, dtype=np.float32)[None], scale)
                obs, r, term, trunc, _ = env.step(int(np.argmax(q_fn(x)[0])))
                out[k] += r
                done = term or trunc
    finally:
        env.close()
    return out


def scale_array(settings: TaskSettings) -> np.ndarray | None:
    """env.observation_scale as a float32 row (None: observations are used as they are)."""
    return None if settings.observation_scale is None else np.asarray(settings.observation_scale, dtype=np.float32)


def scaled(obs: np.ndarray, scale: np.ndarray | None) -> np.ndarray:
    """Observations (rows) multiplied by the scale row, float32."""
    return obs if scale is None else (obs * scale).astype(np.float32)
