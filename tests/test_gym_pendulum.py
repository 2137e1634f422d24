"""The registered Gymnasium env (nasdqn/tasks/gym_pendulum.py) is exactly the section-2.1 pendulum of
nasdqn/tasks/pendulum.py."""
import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import nasdqn  # registers the env
from nasdqn.tasks.gym_pendulum import ENV_ID, GymInvertedPendulum
from nasdqn.tasks.pendulum import InvertedPendulum, PendulumParams


@pytest.fixture(autouse=True)
def warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.mark.parametrize("initial_state", ["near_upright", "full_circle"])
def test_registered_env_is_bitwise_the_core_pendulum(initial_state):
    params = PendulumParams(initial_state=initial_state)
    env = gymnasium.make(ENV_ID, params=params)
    core = InvertedPendulum(params)
    actions = np.random.default_rng(7).integers(0, 3, size=1000)
    for seed in (0, 123):
        obs, info = env.reset(seed=seed)
        ref_obs, ref_info = core.reset(seed=seed)
        assert obs.dtype == np.float32 and obs.tobytes() == ref_obs.tobytes()
        assert info == ref_info
        for t, a in enumerate(actions, start=1):
            obs, reward, terminated, truncated, info = env.step(a)
            ref_obs, ref_reward, ref_term, ref_trunc, ref_info = core.step(int(a))
            assert obs.tobytes() == ref_obs.tobytes()
            assert reward == ref_reward and type(reward) is float
            assert (terminated, truncated) == (ref_term, ref_trunc)
            assert terminated is False
            assert info == ref_info
            assert np.array_equal(env.unwrapped.state, core.state)
            if truncated:
                break
        assert t == 200 and truncated


def test_registered_on_import_of_nasdqn_in_a_fresh_interpreter():
    """`import nasdqn` registers the pendulum with the paper's horizon and threshold (either order)."""
    probe = ("import {first}, {second}; s = gymnasium.spec('nasdqn/InvertedPendulum-v0'); e = gymnasium.make(s.id); "
             "o, _ = e.reset(seed=0); print(s.max_episode_steps, s.reward_threshold, s.entry_point, o.shape)")
    for first, second in (("nasdqn", "gymnasium"), ("gymnasium", "nasdqn")):
        out = subprocess.run([sys.executable, "-c", probe.format(first=first, second=second)], capture_output=True, text=True,
                             check=True, cwd=Path(__file__).parents[1]).stdout.split()
        assert out == ["200", "150.0", "nasdqn.tasks.gym_pendulum:GymInvertedPendulum", "(3,)"]


def test_registration_is_idempotent():
    importlib.reload(nasdqn)  # a second import must not re-register (gymnasium would warn)
    spec = gymnasium.spec(ENV_ID)
    assert spec.max_episode_steps == 200 and spec.reward_threshold == 150


def test_spaces():
    env = GymInvertedPendulum()
    assert env.action_space == gymnasium.spaces.Discrete(3)
    box = env.observation_space
    assert box.shape == (3,) and box.dtype == np.float32
    assert np.array_equal(box.low, np.array([-1, -1, -8], dtype=np.float32))
    assert np.array_equal(box.high, np.array([1, 1, 8], dtype=np.float32))
    env.reset(seed=0)
    with pytest.raises(ValueError):
        env.step(3)


def test_check_env_passes_without_warnings():
    env = gymnasium.make(ENV_ID)
    check_env(env.unwrapped, skip_render_check=False)
    check_env(gymnasium.make(ENV_ID, render_mode="rgb_array").unwrapped)


def test_render_rgb_array_follows_the_angle():
    env = gymnasium.make(ENV_ID, render_mode="rgb_array")
    env.reset(seed=0)
    assert env.metadata["render_fps"] == 50
    env.unwrapped.state = np.array([0.0, 0.0])
    upright = env.render()
    assert upright.dtype == np.uint8 and upright.ndim == 3 and upright.shape[2] == 3
    assert np.array_equal(upright, env.render())  # deterministic
    env.unwrapped.state = np.array([1.0, 0.0])
    tilted = env.render()
    assert tilted.shape == upright.shape and not np.array_equal(tilted, upright)
    with pytest.raises(ValueError):
        GymInvertedPendulum(render_mode="human")


def test_params_via_make():
    env = gymnasium.make(ENV_ID, params=PendulumParams(horizon=50))
    env.reset(seed=3)
    for t in range(1, 51):
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        assert not terminated and truncated == (t == 50)
