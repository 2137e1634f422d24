"""What training jobs ask a scheduler for (nasdqn/settings/resources.py)."""
from __future__ import annotations

import copy
import math
import time

import gymnasium
import pytest

from conftest import REPO, SMOKE
from nasdqn.settings import resources
from nasdqn.settings.config import load, validate
from nasdqn.settings.resolve import resolved_agent_config
from nasdqn.settings.space import SEARCH_SPACE
from nasdqn.settings.table import PENDULUM_ID
from nasdqn.settings.workflow import StudyWorkflow


def test_time_limits_are_the_tasks_own():
    from nasdqn.tasks import TaskSettings, make_task

    assert resources.TIME_LIMITS[PENDULUM_ID] == make_task(TaskSettings.from_config()).info.max_steps
    for task, limit in resources.TIME_LIMITS.items():
        if task != PENDULUM_ID:
            assert gymnasium.spec(task).max_episode_steps == limit, task


def test_every_shape_of_the_search_space_has_a_rate():
    shapes = {(a.layers, a.units) for a in SEARCH_SPACE}
    assert set(resources.ACT_US) == set(resources.UPDATE_US) == shapes


def test_a_groups_first_job_asks_for_the_group_and_the_others_for_minutes():
    cfg = validate({**copy.deepcopy(SMOKE), "protocol": {**SMOKE["protocol"], "runs_per_job": 4, "budget": 2000}})
    study = StudyWorkflow(cfg, "/nonexistent")  # no run.json anywhere: every run still to train
    sizes = [len(g) for g in study.groups]
    assert sizes == [4, 4, 2]
    for group in study.groups:
        lead, *followers = group
        expected = math.ceil(resources.SAFETY * sum(resources.run_microseconds(r.settings) for r in group) / 60e6
                             + resources.STARTUP_MINUTES)
        assert study.train_runtime(lead.run_id, lead.seed) == expected > resources.FOLLOWER_MINUTES
        assert all(study.train_runtime(f.run_id, f.seed) == resources.FOLLOWER_MINUTES for f in followers)


def test_the_request_is_rounded_up_and_grows_with_the_work():
    cfg = load(REPO / "config/config.yaml")
    small, large, nas = (resolved_agent_config(cfg, a) for a in ("fixed_small", "fixed_large", "nas_dqn"))
    assert resources.run_microseconds(small) < resources.run_microseconds(large) <= resources.run_microseconds(nas)
    long = {**large, "budget": 2 * large["budget"]}
    assert resources.run_microseconds(long) > 1.9 * resources.run_microseconds(large)
    every_step = copy.deepcopy(large)
    every_step["dqn"]["train_freq"] = 1
    assert resources.run_microseconds(every_step) > 2 * resources.run_microseconds(large)
    minutes = resources.SAFETY * resources.run_microseconds(large) / 60e6 + resources.STARTUP_MINUTES
    assert resources.train_minutes([large], lead=True) == math.ceil(minutes) >= minutes


@pytest.mark.parametrize("agent", ["fixed_small", "fixed_large"])
def test_the_rates_are_not_optimistic_here(agent):
    """A short run's CPU time here stays below its estimate without the safety factor (the rates
    are the largest of repeated measurements on the development machine; 1.5x for this CPU's noise)."""
    from nasdqn.learning.budget import Budget
    from nasdqn.learning.spec import agent_spec
    from nasdqn.learning.trainer import runs_of, train

    settings = resolved_agent_config(validate(copy.deepcopy(SMOKE)), agent)
    settings = {**settings, "unit": "steps", "budget": 3000, "evaluation": {"every": 0, "episodes": 1}}
    runs = runs_of(agent_spec(settings), [0])
    train(runs, Budget("steps", 64))
    t0 = time.process_time()
    train(runs, Budget("steps", 3000))
    assert (time.process_time() - t0) * 1e6 < 1.5 * resources.run_microseconds(settings)

