"""Greedy evaluation (epsilon = 0, no learning) of a Q-function on the pendulum of section 2.1.

Evaluation draws its start states from a stream of its own, spawned from the run seed
beside the training streams, and builds a fresh generator for every evaluation: all
evaluations of one run then face the same start states, so their returns differ only
because the policy changed, and evaluating never shifts the training streams.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .env import N_ACTIONS, PendulumParams, VecPendulum, observe, sample_initial_state

if TYPE_CHECKING:
    from .policy import Policy

# Spawn key of the evaluation stream; the training streams of train.py are keys 0..5.
EVAL_STREAM_KEY = 6

QFunction = Callable[[np.ndarray], np.ndarray]


def eval_generator(seed: int) -> np.random.Generator:
    """A new generator on the run's evaluation stream (same start states on every call)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(EVAL_STREAM_KEY,)))


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


def evaluate_policy(policy: Policy, params: PendulumParams, seed: int, episodes: int) -> np.ndarray:
    """Returns of `policy` on the evaluation start states of run `seed`."""
    return greedy_returns(policy.q_values, params, eval_generator(seed), episodes)
