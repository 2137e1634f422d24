"""The sanity floor (nasdqn/tasks/floor.py): uniform-random and constant-action returns on each
seed's evaluation episodes, reproducible, and what a task's floor is known to be."""
import numpy as np

from conftest import SHORT_ENV
from nasdqn.tasks import TaskSettings, make_task
from nasdqn.tasks.floor import floor_rows, uniform_random


def test_cartpole_floor_is_what_no_learning_gets():
    task = make_task(TaskSettings.from_config(id="CartPole-v1"))
    rows = floor_rows(task, [0, 1], 20)
    assert rows == floor_rows(task, [0, 1], 20)  # reproducible
    by = {(r["policy"], r["seed"]): r["mean_return"] for r in rows}
    for seed in (0, 1):
        assert 15 < by[("uniform_random", seed)] < 35  # about 22 for uniform random actions
        assert 8 <= by[("constant_0", seed)] <= 11 and 8 <= by[("constant_1", seed)] <= 11  # the pole falls at once
    assert {r["episodes"] for r in rows} == {20}


def test_the_uniform_random_policy_draws_from_its_own_stream():
    q = uniform_random(3, seed=4)
    actions = np.argmax(q(np.zeros((3000, 3))), axis=1)
    assert set(np.unique(actions)) == {0, 1, 2} and abs(np.mean(actions == 1) - 1 / 3) < 0.03
    again = uniform_random(3, seed=4)
    assert np.array_equal(np.argmax(again(np.zeros((3000, 3))), axis=1), actions)


def test_pendulum_floor_rows_per_policy_and_seed():
    rows = floor_rows(make_task(SHORT_ENV), [0], 3)
    assert [r["policy"] for r in rows] == ["uniform_random", "constant_0", "constant_1", "constant_2"]
