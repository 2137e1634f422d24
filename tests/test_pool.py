"""The learners of a process (nasdqn/learning/pool.py): a training step's gradient updates."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from conftest import SHORT_ENV, make_agent
from nasdqn.learning.dqn import DQNSettings, fresh_member
from nasdqn.learning.pool import LearnerPool
from nasdqn.learning.replay import ReplayBuffer
from nasdqn.settings.space import Architecture

ARCHS = [Architecture(2, 32, "relu"), Architecture(2, 32, "relu"), Architecture(3, 64, "tanh")]
B = 8


def filled_buffer(rng: np.random.Generator, n: int, steps: int = 50) -> ReplayBuffer:
    buf = ReplayBuffer(n, 64)
    for _ in range(steps):
        buf.add(rng.normal(size=(n, 3)), rng.integers(0, 3, n), rng.normal(size=n), rng.normal(size=(n, 3)),
                (rng.random(n) < 0.1).astype(np.float32))
    return buf


def state(pool: LearnerPool) -> list[np.ndarray]:
    return [a for m in pool.members() for a in [*m.online, *m.target, *(m.adam_m or []), *(m.adam_v or [])]] + [
        np.array([m.opt_steps for m in pool.members()])]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_gradient_steps_are_that_many_single_updates_each_on_its_own_minibatch(optimizer):
    rng = np.random.default_rng(0)
    buf = filled_buffer(rng, len(ARCHS))
    members = [fresh_member(a, np.random.default_rng(i)) for i, a in enumerate(ARCHS)]
    one = DQNSettings.from_config(optimizer=optimizer, batch_size=B, learning_starts=B, train_freq=1, learning_rate=0.01)
    three = DQNSettings.from_config(optimizer=optimizer, batch_size=B, learning_starts=B, train_freq=1, learning_rate=0.01,
                                    gradient_steps=3)
    assert three.uniforms_per_step == 3 * B
    pool1 = LearnerPool(ARCHS, copy.deepcopy(members), [one] * 3)
    pool3 = LearnerPool(ARCHS, copy.deepcopy(members), [three] * 3)
    u = rng.random((len(ARCHS), 3 * B))
    steps, active = np.full(3, 20), np.ones(3, dtype=bool)
    pool3.learn(steps, active, buf, lambda runs: u[runs])
    for k in range(3):
        pool1.learn(steps, active, buf, lambda runs, k=k: u[runs][:, k * B : (k + 1) * B])
    for a, b in zip(state(pool3), state(pool1), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(pool3.take_mean_losses(np.arange(3)), pool1.take_mean_losses(np.arange(3)))
    fresh = LearnerPool(ARCHS, copy.deepcopy(members), [one] * 3)
    fresh.learn(steps, active, buf, lambda runs: u[runs][:, :B])
    fresh.learn(steps, active, buf, lambda runs: u[runs][:, :B])
    fresh.learn(steps, active, buf, lambda runs: u[runs][:, :B])
    assert not np.array_equal(state(fresh)[0], state(pool3)[0])  # three different minibatches, not one three times


def test_minus_one_is_as_many_gradient_steps_as_environment_steps_per_training_step():
    assert DQNSettings.from_config(train_freq=4, gradient_steps=-1).gradient_steps == 4
    with pytest.raises(ValueError, match="gradient_steps: expected a positive integer"):
        DQNSettings(**{**vars(DQNSettings.from_config()), "gradient_steps": 0})


def test_a_run_with_several_gradient_steps_draws_a_minibatch_for_each():
    from nasdqn.learning.budget import Budget
    from nasdqn.learning.controller import NASSettings
    from nasdqn.learning.trainer import runs_of, train

    def run(gradient_steps: int):
        dqn = DQNSettings.from_config(batch_size=16, learning_starts=100, replay_size=2000, target_update_steps=100,
                                      gradient_steps=gradient_steps)
        spec = make_agent("fixed", ARCHS[0], name="a", dqn=dqn, nas=NASSettings.from_config(), task=SHORT_ENV)
        return train(runs_of(spec, [0]), Budget("episodes", 6))

    one, two = run(1), run(2)
    assert one.draws.minibatch[0].shape == (50, 16) and two.draws.minibatch[0].shape == (50, 32)
    assert [e["return"] for e in one.logs[0].episodes][:2] == [e["return"] for e in two.logs[0].episodes][:2]  # before learning
    assert [e["loss"] for e in one.logs[0].episodes] != [e["loss"] for e in two.logs[0].episodes]
