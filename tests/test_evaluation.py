"""Greedy evaluation (nasdqn/tasks/evaluation.py; the pendulum's rollouts, nasdqn/tasks/pendulum.py):
deterministic, start states from the evaluation stream."""
from __future__ import annotations

import numpy as np
import pytest

from nasdqn.jobs.policy import Policy
from nasdqn.learning.network import Architecture, init_params
from nasdqn.settings.streams import STREAMS, spawn_key
from nasdqn.tasks import TaskSettings, make_task
from nasdqn.tasks.evaluation import eval_generator
from nasdqn.tasks.pendulum import InvertedPendulum, PendulumParams, greedy_returns, sample_initial_state, start_states

PARAMS = PendulumParams(initial_state="full_circle")
TASK = make_task(TaskSettings.from_config(initial_state="full_circle"))


def evaluate_policy(policy: Policy, seed: int, episodes: int) -> np.ndarray:
    return TASK.greedy_returns(policy.q_values, eval_generator(seed), episodes)


def zero_torque(obs: np.ndarray) -> np.ndarray:
    """Q-values whose argmax is always action 1 (tau = 0)."""
    q = np.zeros((len(obs), 3), dtype=np.float32)
    q[:, 1] = 1.0
    return q


def small_policy(seed: int = 0) -> Policy:
    arch = Architecture(2, 32, "tanh")
    return Policy(arch, init_params(arch, np.random.default_rng(seed)), {})


def test_eval_generator_is_the_spawned_stream() -> None:
    a, b = eval_generator(5).random(4), eval_generator(5).random(4)
    np.testing.assert_array_equal(a, b)
    key = spawn_key("evaluation")
    assert key == 6 and STREAMS.count("evaluation") == 1  # its own key, never a training stream's (they are 0-5)
    child = np.random.SeedSequence(5).spawn(len(STREAMS))[key]
    np.testing.assert_array_equal(a, np.random.default_rng(child).random(4))
    assert not np.array_equal(a, eval_generator(6).random(4))


def test_greedy_returns_is_deterministic() -> None:
    policy = small_policy()
    first = evaluate_policy(policy, seed=3, episodes=6)
    second = greedy_returns(policy.q_values, PARAMS, eval_generator(3), 6)
    assert first.shape == (6,) and first.dtype == np.float64
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, evaluate_policy(policy, seed=4, episodes=6))


def test_episodes_are_in_start_state_order() -> None:
    """Episode i of a batch of N is the same episode as episode i of a longer batch."""
    policy = small_policy(1)
    np.testing.assert_allclose(
        evaluate_policy(policy, 9, 3), evaluate_policy(policy, 9, 8)[:3], rtol=1e-9
    )


def test_zero_torque_matches_single_pendulum_loop() -> None:
    params = PendulumParams(initial_state="full_circle", horizon=120)
    returns = greedy_returns(zero_torque, params, eval_generator(11), 5)
    rng = eval_generator(11)
    for i in range(5):
        env = InvertedPendulum(params)
        env.reset(seed=0)
        env.state = np.array(sample_initial_state(rng, params))
        total, truncated, steps = 0.0, False, 0
        while not truncated:
            _, reward, _, truncated, _ = env.step(1)
            total += reward
            steps += 1
        assert steps == params.horizon
        assert returns[i] == pytest.approx(total, rel=1e-9, abs=1e-9)  # vector vs scalar ufuncs: ulps


@pytest.mark.parametrize("episodes", [0, -1])
def test_episodes_must_be_positive(episodes: int) -> None:
    with pytest.raises(ValueError, match="episodes"):
        greedy_returns(zero_torque, PARAMS, eval_generator(0), episodes)


def test_q_function_shape_is_checked() -> None:
    with pytest.raises(ValueError, match="shape"):
        greedy_returns(lambda obs: np.zeros((len(obs), 2)), PARAMS, eval_generator(0), 2)


def test_render_starts_from_the_first_eval_state() -> None:
    """A GIF's frame 0 is eval episode 0: both take the first draw of eval_generator(seed)."""
    first = start_states(eval_generator(2), PARAMS, 1)[0]
    np.testing.assert_array_equal(first, sample_initial_state(eval_generator(2), PARAMS))
    np.testing.assert_array_equal(first, start_states(eval_generator(2), PARAMS, 4)[0])
