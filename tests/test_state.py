"""The per-run state parts of a training process (nasdqn/learning/state.py): Stateful saves exactly
what SAVED names, as deep copies; Counters begins and advances episodes; EpisodeDraws draws each
episode from the run's own streams and picks epsilon-greedy actions and minibatch uniforms for
the step each run is at; Recorder writes the episode rows; each part's state round trip."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

from nasdqn.learning.state import Counters, EpisodeDraws, Recorder, RunLog, Stateful
from nasdqn.settings.space import Architecture


class Part(Stateful):
    SAVED = ("values", "nested")

    def __init__(self) -> None:
        self.values = np.arange(3)
        self.nested = {"a": [1, 2]}
        self.scratch = "not saved"


def test_stateful_saves_deep_copies_of_exactly_the_saved_names():
    p = Part()
    state = p.state_dict()
    assert set(state) == {"values", "nested"}
    p.values[0] = 99  # changing the part later changes no saved state
    p.nested["a"].append(3)
    assert list(state["values"]) == [0, 1, 2] and state["nested"] == {"a": [1, 2]}
    q = Part()
    q.scratch = "mine"
    q.load_state_dict(state)
    state["values"][1] = -1  # nor does changing the state after loading it
    assert list(q.values) == [0, 1, 2] and q.nested == {"a": [1, 2]} and q.scratch == "mine"
    with pytest.raises(KeyError):
        q.load_state_dict({"values": np.zeros(3)})  # a state that lacks a saved name is refused


class FakeEnv:
    """reset_all / reset as a task's vector env, recording which was called; `t`, `lockstep` as it has."""

    def __init__(self, n: int, lockstep: bool = False) -> None:
        self.calls: list = []
        self.t = np.zeros(n, dtype=np.int64)
        self.lockstep = lockstep

    def reset_all(self, rngs):
        self.calls.append("all")
        return np.stack([np.full(2, r.random(), dtype=np.float32) for r in rngs])

    def reset(self, i, rng):
        self.calls.append(i)
        return np.full(2, rng.random(), dtype=np.float32)


def test_counters_begin_resets_the_starting_runs_from_their_own_streams():
    c, env = Counters(3, 2), FakeEnv(3)
    c.begin(np.arange(3), env, [np.random.default_rng(s) for s in range(3)])
    assert env.calls == ["all"]
    np.testing.assert_array_equal(c.obs[:, 0], [np.float32(np.random.default_rng(s).random()) for s in range(3)])
    c.returns[:] = [1.0, 2.0, 3.0]
    before = c.obs.copy()
    c.begin(np.array([1]), env, [np.random.default_rng(10 + s) for s in range(3)])
    assert env.calls == ["all", 1]  # one run only: its own reset
    assert c.obs[1, 0] == np.float32(np.random.default_rng(11).random())
    np.testing.assert_array_equal(c.obs[[0, 2]], before[[0, 2]])
    assert list(c.returns) == [1.0, 0.0, 3.0]


def test_counters_advance_only_the_active_runs():
    c = Counters(3, 2)
    nxt = np.arange(6, dtype=np.float32).reshape(3, 2)
    c.advance(np.array([1.0, 2.0, 3.0]), nxt, np.ones(3, dtype=bool))
    c.advance(np.array([10.0, 20.0, 30.0]), nxt + 1, np.array([True, False, True]))
    assert list(c.returns) == [11.0, 2.0, 33.0] and list(c.steps) == [2, 1, 2]
    np.testing.assert_array_equal(c.obs, nxt + 1)
    assert list(c.episodes_done) == [0, 0, 0]


def streams(seed: int) -> dict[str, np.random.Generator]:
    return {"act": np.random.default_rng([seed, 1]), "replay": np.random.default_rng([seed, 2])}


def test_a_draw_takes_the_episodes_uniforms_from_the_runs_own_streams():
    d = EpisodeDraws(2, 5, [4, 8])
    assert list(d.starting(np.array([True, False]))) == [0]
    d.draw(1, streams(7), 3, 8, 0.25)
    ref = streams(7)
    np.testing.assert_array_equal(d.explore[1], ref["act"].random(5))
    np.testing.assert_array_equal(d.random_actions[1], ref["act"].integers(0, 3, 5))
    np.testing.assert_array_equal(d.minibatch[1], ref["replay"].random((5, 8)))
    assert d.epsilon[1] == 0.25 and list(d.fresh) == [True, False]
    assert not d.explore[0].any() and d.minibatch[0].shape == (5, 4)  # run 0 untouched
    assert set(d.random_actions[1]) <= {0, 1, 2}
    assert list(d.starting(np.ones(2, dtype=bool))) == [0]
    d.draw(0, streams(8), 3, 4, 0.5)
    assert d.starting(np.ones(2, dtype=bool)).size == 0


def fixed_draws(n: int = 3, steps: int = 4) -> EpisodeDraws:
    d = EpisodeDraws(n, steps, [2] * n)
    d.explore = np.array([[0.1, 0.9, 0.1, 0.9], [0.5, 0.5, 0.5, 0.5], [0.9, 0.1, 0.9, 0.1]])[:n]
    d.random_actions = np.array([[5, 6, 7, 8], [15, 16, 17, 18], [25, 26, 27, 28]])[:n]
    d.epsilon = np.array([0.3, 0.6, 0.3])[:n]
    d.minibatch = [np.arange(steps * 2, dtype=float).reshape(steps, 2) + 100 * i for i in range(n)]
    return d


def test_epsilon_greedy_explores_where_the_steps_uniform_is_below_epsilon():
    greedy = np.array([0, 1, 2])
    d, env = fixed_draws(), FakeEnv(3, lockstep=True)
    env.t[:] = 1
    np.testing.assert_array_equal(d.epsilon_greedy(greedy, env), [0, 16, 26])  # 0.9 > 0.3; 0.5 < 0.6; 0.1 < 0.3
    np.testing.assert_array_equal(d.minibatch_uniforms(np.array([2, 0])), [[202.0, 203.0], [2.0, 3.0]])
    env.lockstep, env.t = False, np.array([0, 3, 9])  # runs at their own steps (a finished run's t is clipped)
    np.testing.assert_array_equal(d.epsilon_greedy(greedy, env), [5, 18, 28])  # run 2 at its last step: 0.1 < 0.3
    np.testing.assert_array_equal(d.minibatch_uniforms(np.array([0, 1, 2])), [[0.0, 1.0], [106.0, 107.0], [206.0, 207.0]])


@pytest.mark.parametrize("t", [0, 2])
def test_lockstep_and_per_run_steps_pick_the_same_actions(t):
    a, b = fixed_draws(), fixed_draws()
    lock, free = FakeEnv(3, lockstep=True), FakeEnv(3)
    lock.t[:] = t
    free.t[:] = t
    greedy = np.array([2, 2, 2])
    np.testing.assert_array_equal(a.epsilon_greedy(greedy, lock), b.epsilon_greedy(greedy, free))
    np.testing.assert_array_equal(a.minibatch_uniforms(np.arange(3)), b.minibatch_uniforms(np.arange(3)))


def test_the_recorder_writes_episode_rows_and_keeps_the_last_finite_loss():
    r, arch = Recorder(2), Architecture(3, 64, "tanh")
    assert np.isnan(r.rolling_mean(0))
    r.episode(0, 10.0, 200, 0.9, arch, 0.5)
    r.episode(0, 20.0, 150, 0.8, arch, float("nan"))
    r.episode(0, 60.0, 100, 0.7, arch, 0.25)
    row = dict(r.logs[0].episodes[1])
    assert np.isnan(row.pop("loss"))
    assert row == {"episode": 2, "return": 20.0, "steps": 150, "epsilon": 0.8, "layers": 3, "units": 64, "activation": "tanh"}
    assert [e["episode"] for e in r.logs[0].episodes] == [1, 2, 3] and r.logs[0].returns == [10.0, 20.0, 60.0]
    assert r.last_finite_loss[0] == 0.25 and np.isnan(r.last_finite_loss[1]) and r.logs[1] == RunLog()
    assert r.rolling_mean(0) == 30.0 and r.rolling_mean(0, k=2) == 40.0
    r.episode(1, 1.0, 5, 0.1, arch, float("inf"))
    assert np.isnan(r.last_finite_loss[1])


def test_each_part_restores_its_state_through_a_pickle():
    c = Counters(2, 3)
    c.advance(np.array([1.0, -1.0]), np.ones((2, 3), dtype=np.float32), np.ones(2, dtype=bool))
    c.episodes_done[1] = 4
    d = EpisodeDraws(2, 5, [4, 8])
    d.draw(0, streams(1), 3, 4, 0.3)
    r = Recorder(2)
    r.episode(1, 5.0, 10, 0.2, Architecture(2, 32, "relu"), 0.1)
    for part, fresh in ((c, Counters(2, 3)), (d, EpisodeDraws(2, 5, [4, 8])), (r, Recorder(2))):
        saved = pickle.dumps(part.state_dict())
        assert pickle.dumps(fresh.state_dict()) != saved  # the state to restore is not a new part's
        fresh.load_state_dict(pickle.loads(saved))
        for name in part.SAVED:  # equal bits (NaN included), compared through their pickles
            assert pickle.dumps(getattr(fresh, name)) == pickle.dumps(getattr(part, name)), name
    assert list(d.starting(np.ones(2, dtype=bool))) == [1]
