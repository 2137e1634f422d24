"""The inverted pendulum of section 2.1: its physics, single and vectorised, and greedy rollouts.

Physics are computed in float64 so that the integrator is exact to the paper's
equations; observations are float32 because that is what the Q-network eats.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from nasdqn.settings.space import check_choices

QFunction = Callable[[np.ndarray], np.ndarray]

ACTIONS = (0, 1, 2)
OBS_DIM = 3
N_ACTIONS = 3


@dataclass(frozen=True)
class PendulumParams:
    """Section 2.1 constants. Only the initial-state distribution is not from the paper."""

    mass: float = 1.0
    length: float = 1.0
    gravity: float = 9.8
    dt: float = 0.02
    max_speed: float = 8.0  # omega_max, rad/s
    max_torque: float = 2.0  # tau_max
    torque_cost: float = 0.001  # lambda
    horizon: int = 200  # T
    # Not in the paper (see docs/assumptions.md): where episodes start.
    initial_state: Literal["near_upright", "full_circle"] = "near_upright"
    initial_theta_high: float = 0.05
    initial_omega_high: float = 0.05

    def __post_init__(self) -> None:
        check_choices(self)
        if self.horizon <= 0:
            raise ValueError(f"env.horizon: expected a positive integer, got {self.horizon!r}")


def wrap_angle(theta: np.ndarray | float) -> np.ndarray | float:
    """Wrap to (-pi, pi]: pi maps to pi and -pi maps to pi."""
    return math.pi - np.mod(math.pi - theta, 2.0 * math.pi)


def torque_of(action: np.ndarray | int, params: PendulumParams) -> np.ndarray | float:
    """tau = (a - 1) * tau_max."""
    return (np.asarray(action, dtype=np.float64) - 1.0) * params.max_torque


def observe(theta: np.ndarray | float, omega: np.ndarray | float) -> np.ndarray:
    """s = [cos theta, sin theta, omega], shape (..., 3), float32."""
    theta, omega = np.asarray(theta), np.asarray(omega)
    obs = np.empty(theta.shape + (3,), dtype=np.float32)
    obs[..., 0] = np.cos(theta)
    obs[..., 1] = np.sin(theta)
    obs[..., 2] = omega
    return obs


def sample_initial_state(rng: np.random.Generator, params: PendulumParams) -> tuple[float, float]:
    """One draw of (theta, omega) from the configured start distribution."""
    if params.initial_state == "near_upright":
        theta = rng.uniform(-params.initial_theta_high, params.initial_theta_high)
    else:
        theta = wrap_angle(rng.uniform(-math.pi, math.pi))
    omega = rng.uniform(-params.initial_omega_high, params.initial_omega_high)
    return float(theta), float(omega)


def dynamics_step(
    theta: np.ndarray, omega: np.ndarray, torque: np.ndarray, params: PendulumParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One semi-implicit Euler step; returns (theta', omega', reward on the pre-step state)."""
    reward = np.cos(theta) - params.torque_cost * torque * torque
    accel = (params.gravity / params.length) * np.sin(theta) + torque / (params.mass * params.length**2)
    # clip(., -omega_max, omega_max) before the angle update (np.clip is slow on tiny arrays)
    omega_next = np.minimum(np.maximum(omega + accel * params.dt, -params.max_speed), params.max_speed)
    theta_next = wrap_angle(theta + omega_next * params.dt)
    return theta_next, omega_next, reward


class VecPendulum:
    """N independent pendulums stepped together as numpy arrays.

    All episodes have the same fixed horizon, so the N pendulums stay in lockstep and
    no auto-reset bookkeeping is needed: the caller resets all of them every T steps.
    """

    def __init__(self, n: int, params: PendulumParams | None = None) -> None:
        if n <= 0:
            raise ValueError(f"VecPendulum: n must be positive, got {n}")
        self.n = n
        self.params = params or PendulumParams()
        self.theta = np.zeros(n, dtype=np.float64)
        self.omega = np.zeros(n, dtype=np.float64)
        self.t = 0

    def reset(self, rngs: list[np.random.Generator]) -> np.ndarray:
        """Reset pendulum i from rngs[i], so that each seed's starts depend on that seed only."""
        if len(rngs) != self.n:
            raise ValueError(f"VecPendulum.reset: expected {self.n} generators, got {len(rngs)}")
        for i, rng in enumerate(rngs):
            self.theta[i], self.omega[i] = sample_initial_state(rng, self.params)
        self.t = 0
        return observe(self.theta, self.omega)

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        """Returns (obs, rewards, episode_over)."""
        torque = torque_of(actions, self.params)
        self.theta, self.omega, reward = dynamics_step(self.theta, self.omega, torque, self.params)
        self.t += 1
        return observe(self.theta, self.omega), reward, self.t >= self.params.horizon


class InvertedPendulum:
    """Gymnasium-style single pendulum (without depending on gymnasium).

    `terminated` is always False and `truncated` becomes True at the horizon: the
    paper calls the horizon a termination, and whether the learner bootstraps
    through it is a learner setting (dqn.terminal_on_horizon), not an env property.
    """

    def __init__(self, params: PendulumParams | None = None) -> None:
        self.params = params or PendulumParams()
        self.np_random = np.random.default_rng()
        self._state = np.zeros(2, dtype=np.float64)
        self.t = 0

    @property
    def state(self) -> np.ndarray:
        """Physical state [theta, omega] (a copy)."""
        return self._state.copy()

    @state.setter
    def state(self, value: np.ndarray) -> None:
        value = np.asarray(value, dtype=np.float64)
        if value.shape != (2,):
            raise ValueError(f"state must be [theta, omega], got shape {value.shape}")
        self._state = np.array([wrap_angle(value[0]), value[1]], dtype=np.float64)

    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        if seed is not None:
            self.np_random = np.random.default_rng(seed)
        theta, omega = sample_initial_state(self.np_random, self.params)
        self._state = np.array([theta, omega], dtype=np.float64)
        self.t = 0
        return observe(self._state[0], self._state[1]), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict]:
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}, got {action!r}")
        torque = float(torque_of(action, self.params))
        theta, omega, reward = dynamics_step(self._state[0], self._state[1], torque, self.params)
        self._state = np.array([theta, omega], dtype=np.float64)
        self.t += 1
        truncated = self.t >= self.params.horizon
        return observe(theta, omega), float(reward), False, truncated, {"torque": torque}


# ----- greedy rollouts (evaluation, GIFs) ------------------------------------------------------
def start_states(rng: np.random.Generator, params: PendulumParams, episodes: int) -> np.ndarray:
    """(episodes, 2) array of (theta, omega), drawn in order, episode 0 first."""
    if episodes <= 0:
        raise ValueError(f"episodes must be positive, got {episodes}")
    return np.array([sample_initial_state(rng, params) for _ in range(episodes)], dtype=np.float64)


@dataclass(frozen=True, eq=False)
class Trajectory:
    """N greedy episodes in lockstep: rows are time steps, columns episodes."""

    theta: np.ndarray  # (steps + 1, N), the state before each step and after the last
    omega: np.ndarray  # (steps + 1, N)
    actions: np.ndarray  # (steps, N)
    returns: np.ndarray  # (steps + 1, N) running undiscounted return, returns[0] = 0


def greedy_rollout(q_fn: QFunction, params: PendulumParams, starts: np.ndarray, steps: int) -> Trajectory:
    """Run len(starts) episodes in parallel for `steps` steps, acting with argmax q_fn(obs)."""
    if steps <= 0:
        raise ValueError(f"steps must be positive, got {steps}")
    n = len(starts)
    env = VecPendulum(n, params)
    env.theta, env.omega = starts[:, 0].copy(), starts[:, 1].copy()
    obs = observe(env.theta, env.omega)
    theta, omega = np.empty((steps + 1, n)), np.empty((steps + 1, n))
    actions = np.empty((steps, n), dtype=np.int64)
    returns = np.zeros((steps + 1, n))
    theta[0], omega[0] = env.theta, env.omega
    for t in range(steps):
        q = np.asarray(q_fn(obs))
        if q.shape != (n, N_ACTIONS):
            raise ValueError(f"q_fn returned shape {q.shape}, expected {(n, N_ACTIONS)}")
        actions[t] = np.argmax(q, axis=1)
        obs, reward, _ = env.step(actions[t])
        returns[t + 1] = returns[t] + reward
        theta[t + 1], omega[t + 1] = env.theta, env.omega
    return Trajectory(theta, omega, actions, returns)


def greedy_returns(
    q_fn: QFunction, params: PendulumParams, rng: np.random.Generator, episodes: int
) -> np.ndarray:
    """The undiscounted returns (float64, shape (episodes,)) of full-horizon greedy episodes."""
    starts = start_states(rng, params, episodes)
    return greedy_rollout(q_fn, params, starts, params.horizon).returns[-1].copy()
