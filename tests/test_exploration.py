"""Epsilon-greedy schedules (nasdqn/learning/exploration.py): linear decay over the protocol's
clock, the restart after a transition, and the same numbers counted in episodes or steps."""
import functools

import numpy as np
import pytest

from conftest import make_agent
from nasdqn.learning.controller import NASSettings
from nasdqn.learning.dqn import DQNSettings
from nasdqn.learning.exploration import Exploration
from nasdqn.tasks import TaskSettings

spec = functools.partial(make_agent, name="a", dqn=DQNSettings.from_config(epsilon_start=1.0, epsilon_end=0.1, epsilon_decay=100),
                         nas=NASSettings.from_config(), task=TaskSettings.from_config())


def test_linear_then_flat():
    e = Exploration([spec()])
    got = e.epsilon(np.array([0.0, 50.0, 100.0, 5000.0]), np.zeros(4, dtype=int))
    assert got[0] == 1.0 and got[1] == pytest.approx(0.55) and got[2] == pytest.approx(0.1) and got[3] == pytest.approx(0.1)
    no_decay = Exploration([spec(dqn=DQNSettings.from_config(epsilon_start=1.0, epsilon_end=0.05, epsilon_decay=0))])
    assert no_decay.epsilon(np.array([0.0]))[0] == 0.05  # exactly epsilon_end, not 1 + (0.05 - 1)


def test_restart_after_a_transition_anneals_and_never_goes_below_the_global_schedule():
    e = Exploration([spec(dqn=DQNSettings.from_config(epsilon_end=0.05, epsilon_decay=1), exploration_after_transition="restart",
                          restart_epsilon=0.6, restart_decay=20)])
    assert e.epsilon(np.array([15.0]))[0] == pytest.approx(0.05)  # no transition yet: the global schedule
    e.switched(0, 10)  # a transition after 10 episodes: episode 11 is the first on the new network
    assert e.epsilon(np.array([10.0]))[0] == pytest.approx(0.6)
    assert e.epsilon(np.array([20.0]))[0] == pytest.approx(0.6 + 0.5 * (0.05 - 0.6))
    assert e.epsilon(np.array([40.0]))[0] == pytest.approx(0.05)
    high = Exploration([spec(dqn=DQNSettings.from_config(epsilon_start=0.9, epsilon_end=0.9, epsilon_decay=1), exploration_after_transition="restart",
                             restart_epsilon=0.6, restart_decay=20)])
    high.switched(0, 10)
    assert high.epsilon(np.array([10.0]))[0] == 0.9  # never below the global schedule
    cont = Exploration([spec(exploration_after_transition="continue")])
    cont.switched(0, 10)
    assert np.isnan(cont.last_switch[0])  # continue: a transition changes nothing


def test_state_round_trip():
    e = Exploration([spec(exploration_after_transition="restart")])
    e.switched(0, 7)
    f = Exploration([spec(exploration_after_transition="restart")])
    f.load_state_dict(e.state_dict())
    assert f.last_switch[0] == 7
