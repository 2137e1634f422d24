"""The learners of a process (nasdqn/learning/pool.py): a training step's gradient updates, runs
grouped by architecture and settings, greedy actions, the due schedules of learning and target
syncs, a switch, divergence, mean losses and the state round trip."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from conftest import SHORT_ENV, make_agent
from nasdqn.learning.dqn import DQNSettings, fresh_member
from nasdqn.learning.network import forward_np
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


# ----- grouping, acting, schedules, switches, divergence, state -------------------------------------------------
def pool_of(archs: list[Architecture], settings: list[DQNSettings] | None = None, seed: int = 0) -> LearnerPool:
    s = settings or [DQNSettings.from_config(batch_size=B, learning_starts=B, train_freq=1, target_update_steps=5)] * len(archs)
    return LearnerPool(archs, [fresh_member(a, np.random.default_rng(seed + i)) for i, a in enumerate(archs)], s)


def uniforms_of(rng: np.random.Generator, n: int):
    u = rng.random((n, B))
    return lambda runs: u[runs]


def test_runs_are_grouped_by_architecture_and_settings_in_search_space_order():
    pool = pool_of([ARCHS[2], ARCHS[0], ARCHS[1]])
    assert [(g.arch.name, list(g.runs)) for g in pool.groups] == [("2x32-relu", [1, 2]), ("3x64-tanh", [0])]
    other = DQNSettings.from_config(batch_size=B, learning_starts=B, train_freq=2)
    split = pool_of(ARCHS, [pool.settings[0], other, pool.settings[0]])
    assert sorted(list(g.runs) for g in split.groups) == [[0], [1], [2]]
    members = [fresh_member(a, np.random.default_rng(i)) for i, a in enumerate(ARCHS)]
    pool = LearnerPool(ARCHS, members, pool.settings)
    for i, m in enumerate(members):  # each run's own weights, wherever it sits
        assert all(np.array_equal(a, b) for a, b in zip(pool.online_params(i), m.online, strict=True))
        assert all(np.array_equal(a, b) for a, b in zip(pool.members()[i].online, m.online, strict=True))
    with pytest.raises(IndexError, match="run 3"):
        pool.online_params(3)


@pytest.mark.parametrize("archs", [ARCHS, ARCHS[:2]], ids=["groups", "one_group"])
def test_greedy_is_each_runs_argmax_of_its_own_network(archs):
    pool = pool_of(archs)
    obs = np.random.default_rng(4).normal(size=(200, len(archs), 3)).astype(np.float32)
    got = np.stack([pool.greedy(o) for o in obs])
    want = np.stack([forward_np(pool.online_params(i), a.activation, obs[:, i]).argmax(axis=1) for i, a in enumerate(archs)], axis=1)
    np.testing.assert_array_equal(got, want)
    assert len(np.unique(got)) == 3  # every action is picked somewhere: the comparison is not of constants


def test_a_run_learns_the_same_numbers_whichever_runs_share_its_group():
    """Run 1 shares its stacked group with run 0; trained alone it computes the same bits."""
    rng = np.random.default_rng(1)
    data = [(rng.normal(size=(3, 3)), rng.integers(0, 3, 3), rng.normal(size=3), rng.normal(size=(3, 3)), (rng.random(3) < 0.1) * 1.0)
            for _ in range(40)]
    three, alone = ReplayBuffer(3, 64), ReplayBuffer(1, 64)
    for obs, a, r, nxt, done in data:
        three.add(obs, a, r, nxt, done)
        alone.add(obs[1:2], a[1:2], r[1:2], nxt[1:2], done[1:2])
    u = rng.random((3, 5, B))
    big, small = pool_of(ARCHS), pool_of(ARCHS[1:2], seed=1)
    assert [list(g.runs) for g in big.groups] == [[0, 1], [2]]
    for t in range(5):
        big.learn(np.full(3, 10 + t), np.ones(3, dtype=bool), three, lambda runs, t=t: u[runs, t])
        small.learn(np.full(1, 10 + t), np.ones(1, dtype=bool), alone, lambda runs, t=t: u[1 + runs, t])
    assert big.members()[1].opt_steps == small.members()[0].opt_steps == 5
    for a, b in zip(big.members()[1].online, small.members()[0].online, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(big.members()[1].online[0], fresh_member(ARCHS[1], np.random.default_rng(1)).online[0])  # it learned
    np.testing.assert_array_equal(big.take_mean_losses(np.array([1])), np.r_[np.nan, small.take_mean_losses(np.array([0]))[0], np.nan])


def test_learn_updates_only_the_active_runs_that_are_due():
    every = [DQNSettings.from_config(batch_size=B, learning_starts=2 * B, train_freq=f) for f in (1, 2, 4)]
    pool = pool_of([ARCHS[0]] * 3, every)
    buf, u = filled_buffer(np.random.default_rng(0), 3), uniforms_of(np.random.default_rng(1), 3)

    def stepped(steps, active=(True, True, True)) -> list[int]:
        before = [m.opt_steps for m in pool.members()]
        pool.learn(np.asarray(steps), np.asarray(active), buf, u)
        return [m.opt_steps - b for m, b in zip(pool.members(), before)]

    assert stepped([2 * B - 1] * 3) == [0, 0, 0]  # before learning_starts
    assert stepped([2 * B] * 3) == [1, 1, 1]  # 16: a multiple of 1, 2 and 4
    assert stepped([2 * B + 2] * 3) == [1, 1, 0]
    assert stepped([2 * B + 1] * 3) == [1, 0, 0]
    assert stepped([2 * B] * 3, (True, False, True)) == [1, 0, 1]  # a run whose training is over learns no more
    assert stepped([2 * B + 4, 2 * B, 2 * B - 4]) == [1, 1, 0]  # runs at their own steps
    members = pool.members()
    frozen = pool_of([ARCHS[0]] * 3, every)
    frozen.load_state_dict(pool.state_dict())
    frozen.learn(np.full(3, 2 * B + 1), np.array([False, True, True]), buf, u)  # only run 0 would be due: nothing moves
    for a, b in zip(state(frozen), state(pool), strict=True):
        np.testing.assert_array_equal(a, b)
    assert [m.opt_steps for m in members] == [5, 3, 2]


def test_sync_targets_copies_online_weights_of_the_runs_whose_period_ends():
    s = [DQNSettings.from_config(batch_size=B, learning_starts=B, train_freq=1, target_update_steps=p) for p in (5, 5, 3)]
    pool = pool_of(ARCHS, s)
    pool.learn(np.full(3, 10), np.ones(3, dtype=bool), filled_buffer(np.random.default_rng(0), 3), uniforms_of(np.random.default_rng(1), 3))

    def synced() -> list[bool]:
        return [all(np.array_equal(o, t) for o, t in zip(m.online, m.target)) for m in pool.members()]

    assert synced() == [False, False, False]
    pool.sync_targets(np.full(3, 7), np.ones(3, dtype=bool))
    assert synced() == [False, False, False]
    pool.sync_targets(np.full(3, 10), np.array([True, False, True]))  # 10: run 0's period; run 1 inactive; not run 2's
    assert synced() == [True, False, False]
    pool.sync_targets(np.array([4, 15, 9]), np.ones(3, dtype=bool))
    assert synced() == [True, True, True]


def test_replace_gives_a_run_its_new_network_and_leaves_the_others():
    pool = pool_of(ARCHS)
    before = pool.members()
    new = fresh_member(Architecture(4, 128, "leaky_relu"), np.random.default_rng(9))
    pool.replace({0: (Architecture(4, 128, "leaky_relu"), new)})
    assert [a.name for a in pool.archs] == ["4x128-leaky_relu", "2x32-relu", "3x64-tanh"]
    assert sorted(list(g.runs) for g in pool.groups) == [[0], [1], [2]]
    after = pool.members()
    assert all(np.array_equal(a, b) for a, b in zip(after[0].online, new.online, strict=True))
    for i in (1, 2):
        assert all(np.array_equal(a, b) for a, b in zip(after[i].online, before[i].online, strict=True))
    assert pool.greedy(np.zeros((3, 3), dtype=np.float32)).shape == (3,)


def test_first_diverged_finds_the_run_with_a_non_finite_weight_or_loss():
    pool = pool_of(ARCHS)
    assert pool.first_diverged() is None
    group = next(g for g in pool.groups if 2 in g.runs)
    group.online.params[1][0, 0, 0] = np.inf
    assert pool.first_diverged() == 2 and pool.first_diverged(np.array([2])) == 2
    assert pool.first_diverged(np.array([0, 1])) is None  # another group's runs only
    pool = pool_of(ARCHS)
    group = next(g for g in pool.groups if 1 in g.runs)
    group.loss_sum[list(group.runs).index(1)] = np.nan
    assert pool.first_diverged() == 1 and pool.first_diverged(np.array([1])) == 1 and pool.first_diverged(np.array([2])) is None


def test_take_mean_losses_is_the_mean_since_the_last_call_and_nan_without_updates():
    pool = pool_of(ARCHS)
    buf, u = filled_buffer(np.random.default_rng(0), 3), uniforms_of(np.random.default_rng(1), 3)
    assert np.isnan(pool.take_mean_losses(np.arange(3))).all()
    pool.learn(np.full(3, 10), np.ones(3, dtype=bool), buf, u)
    group = next(g for g in pool.groups if 0 in g.runs)
    first = group.loss_sum.copy()
    pool.learn(np.full(3, 11), np.array([True, False, True]), buf, u)
    sums = {int(r): float(s) for g in pool.groups for r, s in zip(g.runs, g.loss_sum)}
    losses = pool.take_mean_losses(np.array([0, 1]))
    assert losses[0] == pytest.approx(sums[0] / 2) and losses[1] == pytest.approx(first[1]) and np.isnan(losses[2])
    assert np.isfinite(losses[:2]).all() and losses[0] > 0
    again = pool.take_mean_losses(np.arange(3))
    assert np.isnan(again[:2]).all() and again[2] == pytest.approx(sums[2] / 2)  # 0 and 1 were taken; 2 was not


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_state_round_trip_restores_every_run(optimizer):
    s = [DQNSettings.from_config(optimizer=optimizer, batch_size=B, learning_starts=B, train_freq=1)] * 3
    pool = pool_of(ARCHS, s)
    pool.learn(np.full(3, 10), np.ones(3, dtype=bool), filled_buffer(np.random.default_rng(0), 3), uniforms_of(np.random.default_rng(1), 3))
    pool.replace({1: (Architecture(3, 64, "tanh"), fresh_member(Architecture(3, 64, "tanh"), np.random.default_rng(5)))})
    other = pool_of([ARCHS[0]] * 3, s, seed=7)
    other.load_state_dict(copy.deepcopy(pool.state_dict()))
    assert other.archs == pool.archs and [list(g.runs) for g in other.groups] == [list(g.runs) for g in pool.groups]
    for a, b in zip(state(other), state(pool), strict=True):
        np.testing.assert_array_equal(a, b)
    if optimizer == "adam":
        assert pool.members()[0].adam_m is not None
