"""Gymnasium's Acrobot-v1 and CartPole-v1 stepped as one array for all runs of a process.

A training process steps one environment per run. Gymnasium's classic-control environments
spend most of a step in per-environment Python (Acrobot's `rk4` and `_dsdt` call numpy on
scalars); here the same equations run once per step on arrays with one row per run. Every
trajectory is the same bits as Gymnasium's own environment (tests/test_classic_control.py
compares them over many seeds, actions, terminations and truncations), because:

- each operation is the one Gymnasium performs, in the same order, on float64 (or, for the
  observation at reset, float32) values; numpy's elementwise +, -, *, /, sin, cos and square are
  the same on an array as on a scalar;
- where Gymnasium raises a numpy scalar to a power (`dtheta2**2` in Acrobot's `_dsdt`), numpy
  calls the C library's `pow`, which is not always `x * x` (about 1 in 1,000 squares differ in
  the last bit), so those squares call `math.pow` per run, as numpy does per scalar;
- a reset draws the run's seed from its env stream exactly as `env.reset(seed=...)` is called
  for Gymnasium's environment, and draws the start state from `np.random.Generator(PCG64(seed))`
  as Gymnasium's seeding does.

`BATCHED` maps an `env.id` to its physics; `nasdqn/tasks/gymnasium_task.py` uses it for those ids
and keeps Gymnasium's per-environment step for every other task.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from math import pi
from typing import Callable

import numpy as np

from nasdqn.tasks.base import VecEnv


def _pow2(x: np.ndarray) -> np.ndarray:
    """x**2 as numpy computes it on a float64 scalar (the C library's pow), element by element."""
    return np.array([math.pow(v, 2.0) for v in x.ravel().tolist()], dtype=np.float64).reshape(x.shape)


def _start_state(seed: int, low: float, high: float) -> np.ndarray:
    """What Gymnasium's `reset(seed=seed)` draws: uniform(low, high, size=4) from its np_random."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    return rng.uniform(low=low, high=high, size=(4,))


@dataclass(frozen=True)
class Physics:
    """One classic-control task: how a start state is drawn, how the state steps, what is observed.

    `reset_state(seed)` is the start state as Gymnasium holds it (Acrobot keeps it in float32 until
    the first step, so the first observation is computed in float32); `step(states, actions)`
    returns (next states, rewards, terminated) for the given rows."""

    obs_dim: int
    reset_state: Callable[[int], np.ndarray]
    step: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]
    observe: Callable[[np.ndarray], np.ndarray]


# ----- Acrobot-v1 (gymnasium/envs/classic_control/acrobot.py, "book" dynamics) -----------------------
M1 = M2 = 1.0  # link masses
L1 = 1.0  # length of link 1
LC1 = LC2 = 0.5  # positions of the centres of mass
I1 = I2 = 1.0  # moments of inertia
MAX_VEL_1, MAX_VEL_2 = 4 * pi, 9 * pi
ACROBOT_TORQUE = np.array([-1.0, 0.0, 1.0])
ACROBOT_DT = 0.2


def _acrobot_dsdt(s: np.ndarray) -> np.ndarray:
    """Gymnasium's `_dsdt` on columns: s is (5, n), rows theta1, theta2, dtheta1, dtheta2, torque;
    term for term as Gymnasium writes it (cos and sin of theta2 are computed once: the same values)."""
    g = 9.8
    theta1, theta2, dtheta1, dtheta2, a = s
    cos2, sin2 = np.cos(theta2), np.sin(theta2)
    dtheta1_sq, dtheta2_sq = _pow2(s[2:4])
    d1 = M1 * LC1**2 + M2 * (L1**2 + LC2**2 + 2 * L1 * LC2 * cos2) + I1 + I2
    d2 = M2 * (LC2**2 + L1 * LC2 * cos2) + I2
    phi2 = M2 * LC2 * g * np.cos(theta1 + theta2 - pi / 2.0)
    phi1 = -M2 * L1 * LC2 * dtheta2_sq * sin2 - 2 * M2 * L1 * LC2 * dtheta2 * dtheta1 * sin2 + (M1 * LC1 + M2 * L1) * g * np.cos(theta1 - pi / 2) + phi2
    ddtheta2 = (a + d2 / d1 * phi1 - M2 * L1 * LC2 * dtheta1_sq * sin2 - phi2) / (M2 * LC2**2 + I2 - _pow2(d2) / d1)
    ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
    return np.array([dtheta1, dtheta2, ddtheta1, ddtheta2, np.zeros_like(a)])


def _wrap(x: np.ndarray, m: float, big: float) -> np.ndarray:
    diff = big - m
    while (over := x > big).any():
        x = np.where(over, x - diff, x)
    while (under := x < m).any():
        x = np.where(under, x + diff, x)
    return x


def _acrobot_step(state: np.ndarray, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gymnasium's `step` (rk4 over one dt, wrap, bound, terminal) on rows (n, 4)."""
    y0 = np.concatenate([state.T, ACROBOT_TORQUE[actions][None]])  # (5, n): the state augmented with the torque
    dt = ACROBOT_DT
    dt2 = dt / 2.0
    k1 = _acrobot_dsdt(y0)
    k2 = _acrobot_dsdt(y0 + dt2 * k1)
    k3 = _acrobot_dsdt(y0 + dt2 * k2)
    k4 = _acrobot_dsdt(y0 + dt * k3)
    theta1, theta2, dtheta1, dtheta2 = (y0 + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4))[:4]
    ns = np.array([_wrap(theta1, -pi, pi), _wrap(theta2, -pi, pi), np.minimum(np.maximum(dtheta1, -MAX_VEL_1), MAX_VEL_1),
                   np.minimum(np.maximum(dtheta2, -MAX_VEL_2), MAX_VEL_2)])
    terminated = -np.cos(ns[0]) - np.cos(ns[1] + ns[0]) > 1.0
    return ns.T, np.where(terminated, 0.0, -1.0), terminated


def _acrobot_observe(state: np.ndarray) -> np.ndarray:
    s0, s1 = state[:, 0], state[:, 1]
    return np.array([np.cos(s0), np.sin(s0), np.cos(s1), np.sin(s1), state[:, 2], state[:, 3]], dtype=np.float32).T


ACROBOT = Physics(6, lambda seed: _start_state(seed, -0.1, 0.1).astype(np.float32), _acrobot_step, _acrobot_observe)


# ----- CartPole-v1 (gymnasium/envs/classic_control/cartpole.py, Euler integration) ------------------
GRAVITY, MASSCART, MASSPOLE = 9.8, 1.0, 0.1
TOTAL_MASS = MASSPOLE + MASSCART
LENGTH = 0.5  # half the pole's length
POLEMASS_LENGTH = MASSPOLE * LENGTH
FORCE_MAG, TAU = 10.0, 0.02
THETA_THRESHOLD = 12 * 2 * math.pi / 360
X_THRESHOLD = 2.4


def _cartpole_step(state: np.ndarray, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, x_dot, theta, theta_dot = state[:, 0], state[:, 1], state[:, 2], state[:, 3]
    force = np.where(actions == 1, FORCE_MAG, -FORCE_MAG)
    costheta, sintheta = np.cos(theta), np.sin(theta)
    temp = (force + POLEMASS_LENGTH * np.square(theta_dot) * sintheta) / TOTAL_MASS
    thetaacc = (GRAVITY * sintheta - costheta * temp) / (LENGTH * (4.0 / 3.0 - MASSPOLE * np.square(costheta) / TOTAL_MASS))
    xacc = temp - POLEMASS_LENGTH * thetaacc * costheta / TOTAL_MASS
    x = x + TAU * x_dot
    x_dot = x_dot + TAU * xacc
    theta = theta + TAU * theta_dot
    theta_dot = theta_dot + TAU * thetaacc
    ns = np.stack([x, x_dot, theta, theta_dot], axis=1)
    terminated = (x < -X_THRESHOLD) | (x > X_THRESHOLD) | (theta < -THETA_THRESHOLD) | (theta > THETA_THRESHOLD)
    return ns, np.ones(len(ns)), terminated  # a step that terminates still pays 1 (the first such step)


CARTPOLE = Physics(4, lambda seed: _start_state(seed, -0.05, 0.05), _cartpole_step, lambda s: s.astype(np.float32))

BATCHED: dict[str, Physics] = {"Acrobot-v1": ACROBOT, "CartPole-v1": CARTPOLE}


class VecClassicControl(VecEnv):
    """The environments of n runs of one classic-control task as one state array (n, 4).

    Saves (state_dict) the states and each run's step count; a run's reset draws the reset seed
    from its env stream as Gymnasium's environment would be reset with it."""

    def __init__(self, physics: Physics, n: int, limit: int, scale: np.ndarray | None) -> None:
        super().__init__(n, scale)
        self.physics, self.limit = physics, limit
        self.state = np.zeros((n, 4), dtype=np.float64)  # a float32 start state is exact in float64

    def reset(self, i: int, rng: np.random.Generator) -> np.ndarray:
        self.t[i] = 0
        start = self.physics.reset_state(int(rng.integers(2**31 - 1)))
        self.state[i] = start
        return self.observed(self.physics.observe(start[None])[0])

    def step(self, actions: np.ndarray, active: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        self.t += active
        rows = np.flatnonzero(active)
        obs = np.zeros((self.n, self.physics.obs_dim), dtype=np.float32)
        reward, terminated = np.zeros(self.n), np.zeros(self.n, dtype=bool)
        if rows.size:
            ns, reward[rows], terminated[rows] = self.physics.step(self.state[rows], actions[rows])
            self.state[rows] = ns
            obs[rows] = self.physics.observe(ns)
        truncated = active & (self.t >= self.limit)
        return self.observed(obs), reward, terminated, truncated

    def state_dict(self) -> dict:
        return {"t": self.t.copy(), "state": self.state.copy()}

    def load_state_dict(self, state: dict) -> None:
        self.t, self.state = state["t"].copy(), state["state"].copy()
