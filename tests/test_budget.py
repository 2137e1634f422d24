"""Budgets counted in episodes or environment steps (nasdqn/learning/budget.py): on the pendulum,
whose episodes all last T steps, both units are the same protocol bit for bit; on a task with
episodes of any length every run gets exactly the step budget; the matched random control."""
import dataclasses

import numpy as np

from conftest import FAST_DQN
from nasdqn.jobs.results import csv_text
from nasdqn.learning.budget import Budget
from nasdqn.learning.controller import NASSettings
from nasdqn.learning.spec import AgentSpec, Run
from nasdqn.learning.trainer import EvalSettings, train
from nasdqn.settings.columns import ARCHITECTURE_COLUMNS, EPISODE_COLUMNS, EVALUATION_COLUMNS
from nasdqn.settings.space import Architecture
from nasdqn.tasks import TaskSettings

T = 40  # the pendulum's horizon in these tests
NAS = NASSettings.from_config(arch_update_interval=3, score_window=2, exploration_after_transition="restart", restart_epsilon=0.6,
                  restart_decay=4)


def files(tr, i):
    log = tr.logs[i]
    return (csv_text(EPISODE_COLUMNS, log.episodes), csv_text(ARCHITECTURE_COLUMNS, tr.search.windows[i]),
            csv_text(EVALUATION_COLUMNS, log.evaluations))


def in_steps(spec: AgentSpec) -> AgentSpec:
    n, d = spec.nas, spec.dqn
    return dataclasses.replace(spec, dqn=dataclasses.replace(d, epsilon_decay=d.epsilon_decay * T),
                               nas=dataclasses.replace(n, arch_update_interval=n.arch_update_interval * T,
                                                       score_window=n.score_window * T, restart_decay=n.restart_decay * T))


def test_the_pendulum_counted_in_steps_is_the_pendulum_counted_in_episodes():
    env = TaskSettings.from_config(max_episode_steps=T)
    specs = [AgentSpec("n", "nas", None, FAST_DQN, NAS, env), AgentSpec("r", "random", None, FAST_DQN, NAS, env),
             AgentSpec("f", "fixed", Architecture(2, 32, "relu"), FAST_DQN, NAS, env)]
    episodes = train([Run(s, 0) for s in specs], Budget("episodes", 11), evaluation=EvalSettings(every=4, episodes=2))
    steps = train([Run(in_steps(s), 0) for s in specs], Budget("steps", 11 * T), evaluation=EvalSettings(every=4 * T, episodes=2))
    assert any(w["transition"] for i in range(2) for w in episodes.search.windows[i])  # the restart is exercised
    for i in range(len(specs)):
        assert files(steps, i) == files(episodes, i)


def test_a_step_budget_gives_every_run_exactly_its_steps_and_windows_by_steps():
    env = TaskSettings.from_config(id="CartPole-v1")
    dqn = dataclasses.replace(FAST_DQN, terminal_on_horizon=False, epsilon_decay=300)
    nas = dataclasses.replace(NAS, arch_update_interval=250, score_window=100, restart_decay=200)
    runs = [Run(AgentSpec("r", "random", None, dqn, nas, env), s) for s in (0, 1)]
    tr = train(runs, Budget("steps", 1000), evaluation=EvalSettings(every=400, episodes=1))
    assert list(tr.counters.steps) == [1000, 1000]
    for i in range(2):
        lengths = [e["steps"] for e in tr.logs[i].episodes]
        assert sum(lengths) <= 1000 and sum(lengths) + 500 > 1000  # the unfinished episode is not an episode row
        rows = tr.search.windows[i]
        ends = np.cumsum(lengths)
        for w in rows[:-1]:  # a window ends with the first episode that ends at or after (k + 1) M steps
            k = w["end_episode"] - 1
            assert ends[k] >= (w["window"] + 1) * 250 and (k == 0 or ends[k - 1] < (w["window"] + 1) * 250)
        assert rows[-1]["end_episode"] == len(lengths) and np.isfinite(rows[-1]["score"])
        assert len(tr.logs[i].evaluations) >= 3  # after 400 and 800 steps, and at the end of the budget


def test_keep_probability_one_never_switches_and_zero_is_random_nas():
    env = TaskSettings.from_config(max_episode_steps=T)
    keep = AgentSpec("k", "random", None, FAST_DQN, dataclasses.replace(NAS, keep_probability=1.0), env)
    tr = train([Run(keep, s) for s in range(3)], Budget("episodes", 12))
    for i in range(3):
        rows = tr.search.windows[i]
        assert not any(w["transition"] for w in rows) and {w["pick"] for w in rows[1:]} == {"keep"}
    plain = train([Run(AgentSpec("k", "random", None, FAST_DQN, NAS, env), 0)], Budget("episodes", 12))
    assert sum(w["transition"] for w in plain.search.windows[0]) >= 2
