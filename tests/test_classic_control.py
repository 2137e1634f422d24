"""nasdqn/tasks/classic_control.py: Acrobot-v1 and CartPole-v1 stepped as one array give the same
bits as Gymnasium's own environments, step by step, at resets, terminations and truncations, for
runs that sit out steps, and in greedy evaluation."""
from __future__ import annotations

import numpy as np
import pytest

import nasdqn.tasks.gymnasium_task as gymnasium_task
from nasdqn.learning.network import forward_np, init_params
from nasdqn.settings.space import Architecture
from nasdqn.tasks.base import TaskSettings
from nasdqn.tasks.classic_control import BATCHED, VecClassicControl
from nasdqn.tasks.gymnasium_task import GymnasiumTask, VecGymnasiumEnv


def same_bits(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a.view(np.uint8), b.view(np.uint8))


def policy(env_id: str, obs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random actions mixed with a policy that ends episodes early: Acrobot pumps energy into the
    swing (torque along the actuated joint's velocity) so that it reaches its goal; CartPole pushes
    the pole over."""
    n = len(obs)
    random_actions = rng.integers(3 if env_id == "Acrobot-v1" else 2, size=n)
    if env_id == "Acrobot-v1":
        driven = np.where(obs[:, 5] > 0, 2, 0)
    else:
        driven = (obs[:, 2] > 0).astype(np.int64)
    return np.where(rng.random(n) < 0.7, driven, random_actions)


@pytest.mark.parametrize("env_id,limit", [("Acrobot-v1", None), ("Acrobot-v1", 120), ("CartPole-v1", None), ("CartPole-v1", 15)])
def test_trajectories_are_gymnasiums_bit_for_bit(env_id, limit):
    settings = TaskSettings.from_config(id=env_id, max_episode_steps=limit)
    task = GymnasiumTask(settings)
    n, steps = 12, 3000
    reference = VecGymnasiumEnv(settings, n, task.info.obs_dim, None)
    batched = task.vector(n)
    assert isinstance(batched, VecClassicControl)
    ra, rb = [np.random.default_rng(i) for i in range(n)], [np.random.default_rng(i) for i in range(n)]
    obs = reference.reset_all(ra)
    assert same_bits(obs, batched.reset_all(rb))
    draws = np.random.default_rng(7)
    terminations = truncations = 0
    for _ in range(steps):
        actions, active = policy(env_id, obs, draws), draws.random(n) < 0.9  # some runs sit out a step
        expected, got = reference.step(actions, active), batched.step(actions, active)
        for a, b in zip(expected, got):
            assert same_bits(a, b)
        obs = expected[0]
        terminations += int(expected[2].sum())
        truncations += int(expected[3].sum())
        for i in np.flatnonzero(expected[2] | expected[3]):
            obs[i] = reference.reset(i, ra[i])
            assert same_bits(obs[i], batched.reset(i, rb[i]))
    assert terminations >= 20 and (limit is None or truncations >= 20)


def test_state_dict_resumes_the_same_trajectory():
    settings = TaskSettings.from_config(id="Acrobot-v1")
    env = GymnasiumTask(settings).vector(3)
    env.reset_all([np.random.default_rng(i) for i in range(3)])
    actions, active = np.array([0, 1, 2]), np.ones(3, dtype=bool)
    for _ in range(5):
        env.step(actions, active)
    saved = env.state_dict()
    first = [env.step(actions, active) for _ in range(4)]
    env.load_state_dict(saved)
    again = [env.step(actions, active) for _ in range(4)]
    for a, b in zip(first, again):
        for x, y in zip(a, b):
            assert same_bits(x, y)


def pumping_q(params, arch, env_id: str, drive: float):
    """A network's Q-values plus `drive` times the policy of `policy` (row by row, as a network):
    episodes of different lengths, some ending at the goal."""

    def q_fn(obs: np.ndarray) -> np.ndarray:
        q = forward_np(params, arch.activation, obs)
        v = obs[..., 5] if env_id == "Acrobot-v1" else obs[..., 2]
        push = np.stack([-v, np.zeros_like(v), v], axis=-1) if env_id == "Acrobot-v1" else np.stack([-v, v], axis=-1)
        return q + np.float32(drive) * push

    return q_fn


@pytest.mark.parametrize("env_id,scale", [("Acrobot-v1", None), ("CartPole-v1", (0.5, 1.0, 2.0, 0.25))])
def test_greedy_evaluation_equals_one_gymnasium_episode_at_a_time(env_id, scale, monkeypatch):
    task = GymnasiumTask(TaskSettings.from_config(id=env_id, observation_scale=scale))
    results = []
    for k, name in enumerate(["2x64-relu", "3x32-tanh", "4x128-leaky_relu"]):
        arch = Architecture.parse(name)
        params = init_params(arch, np.random.default_rng(k), task.info.obs_dim, task.info.n_actions)
        q_fn = pumping_q(params, arch, env_id, drive=float(k))
        batched = task.greedy_returns(q_fn, np.random.default_rng(100 + k), 9)
        with monkeypatch.context() as m:
            m.setattr(gymnasium_task, "BATCHED", {})
            one_by_one = task.greedy_returns(q_fn, np.random.default_rng(100 + k), 9)
        assert same_bits(batched, one_by_one)
        results.append(batched)
    assert len({tuple(r) for r in results}) > 1  # the networks play differently: the check is not vacuous


def test_other_gymnasium_tasks_keep_gymnasiums_step():
    assert set(BATCHED) == {"Acrobot-v1", "CartPole-v1"}
    task = GymnasiumTask(TaskSettings.from_config(id="MountainCar-v0"))
    assert isinstance(task.vector(2), VecGymnasiumEnv)
