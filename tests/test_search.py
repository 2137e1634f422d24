"""The outer loop's readings of what the paper leaves open (nasdqn/learning/search.py, controller.py)."""
import dataclasses

import numpy as np
import pytest

from conftest import make_agent
from nasdqn.learning.budget import Budget
from nasdqn.learning.controller import NASController, NASSettings
from nasdqn.learning.dqn import DQNSettings
from nasdqn.learning.search import ArchitectureSearch
from nasdqn.settings.space import Architecture
from nasdqn.tasks import TaskSettings, make_task

NAS = NASSettings.from_config(arch_update_interval=10, score_window=4)


def search(budget: Budget = Budget("episodes", 100), **keys) -> ArchitectureSearch:
    spec = make_agent("nas", name="a", dqn=DQNSettings.from_config(epsilon_end=0.05), nas=NAS, task=TaskSettings.from_config(), **keys)
    return ArchitectureSearch([spec], [np.random.default_rng(0)], budget, make_task(TaskSettings.from_config()).info)


@pytest.mark.parametrize("mode, expected", [
    ("tail_mean", np.mean([7, 8, 9, 10])),
    ("window_mean", np.mean(range(1, 11))),
    ("best_rolling", np.mean([7, 8, 9, 10])),
])
def test_score_modes_on_an_increasing_window(mode, expected):
    returns = [float(r) for r in range(1, 11)]
    assert search(score=mode).score(0, returns, [1] * 10, 10) == pytest.approx(expected)


def test_best_rolling_finds_an_early_peak():
    returns = [0, 50, 60, 70, 80, 10, 0, 0, 0, 0]
    assert search(score="best_rolling").score(0, [float(r) for r in returns], [1] * 10, 10) == pytest.approx(65.0)
    assert search(score="tail_mean").score(0, [float(r) for r in returns], [1] * 10, 10) == pytest.approx(0.0)


@pytest.mark.parametrize("mode, expected", [("latest", 50.0), ("best", 150.0), ("running_mean", 100.0)])
def test_revisit_modes(mode, expected):
    c = NASController(dataclasses.replace(NAS, revisit_score=mode))
    arch = Architecture(2, 32, "relu")
    c.record(arch, 150.0)
    c.record(arch, 50.0)
    assert c.best[arch.name] == pytest.approx(expected)
    c.load_state_dict(c.state_dict())
    c.record(arch, 100.0)
    if mode == "running_mean":
        assert c.best[arch.name] == pytest.approx(100.0)


def test_score_window_in_steps_takes_the_episodes_that_ended_in_the_windows_last_steps():
    """Counted in steps, S(c) is the mean return of the episodes that ended within the window's
    last score_window steps (at least one)."""
    s = search(Budget("steps", 1000), arch_update_interval=100, score_window=30)
    lengths, returns = [10, 50, 15, 10, 10], [1.0, 2.0, 3.0, 4.0, 5.0]  # ends 10, 60, 75, 85, 95
    assert s.score(0, returns, lengths, 5) == pytest.approx(np.mean([3.0, 4.0, 5.0]))
    long = search(Budget("steps", 1000), arch_update_interval=100, score_window=5)
    assert long.score(0, returns, lengths, 5) == pytest.approx(5.0)  # only the last episode ended in the last 5 steps
    assert s.window_ends(0, 3, 99) is False and s.window_ends(0, 4, 100) is True and s.window_ends(0, 9, 1000) is True


def test_controller_epsilon_zero_of_one_is_uniform_search():
    c = NASController(dataclasses.replace(NAS, epsilon_start=1.0, epsilon_min=0.05))
    rng = np.random.default_rng(3)
    c.record(Architecture(2, 32, "relu"), 100.0)
    assert c.select(rng).kind == "explore"
