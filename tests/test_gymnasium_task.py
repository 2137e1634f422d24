"""Gymnasium tasks (nasdqn/tasks/gymnasium_task.py, make_task) in the trainer: episodes of any
length, per-run windows, terminated vs truncated, byte-identical grouping and mid-episode resume."""
import dataclasses
import functools
import pickle

import numpy as np
import pytest

from conftest import make_agent
from nasdqn.jobs.results import csv_text
from nasdqn.learning.controller import NASSettings
from nasdqn.learning.dqn import DQNSettings
from nasdqn.learning.network import Architecture
from nasdqn.learning.spec import Run
from nasdqn.learning.trainer import Trainer, train
from nasdqn.settings.columns import ARCHITECTURE_COLUMNS, EPISODE_COLUMNS
from nasdqn.tasks import TaskSettings, make_task

CARTPOLE = TaskSettings.from_config(id="CartPole-v1", max_episode_steps=60)
DQN = DQNSettings.from_config(optimizer="adam", batch_size=16, learning_starts=50, replay_size=2000, target_update_steps=100,
                  epsilon_decay=3, terminal_on_horizon=False)
NAS = NASSettings.from_config(arch_update_interval=3, score_window=2)
spec = functools.partial(make_agent, name="a", dqn=DQN, nas=NAS, task=CARTPOLE)


def rows(tr: Trainer, i: int) -> tuple[str, str]:
    return csv_text(EPISODE_COLUMNS, tr.logs[i].episodes), csv_text(ARCHITECTURE_COLUMNS, tr.search.windows[i])


def test_task_info_and_scaling():
    info = make_task(CARTPOLE).info
    assert (info.obs_dim, info.n_actions, info.max_steps) == (4, 2, 60)
    assert info.input_labels == ("x", "ẋ", "θ", "θ̇") and len(info.action_labels) == 2
    assert make_task(TaskSettings.from_config(id="Acrobot-v1")).info.obs_dim == 6
    pendulum = make_task(TaskSettings.from_config()).info
    assert (pendulum.obs_dim, pendulum.n_actions, pendulum.max_steps, pendulum.input_labels) == (3, 3, 200, ("cos θ", "sin θ", "ω"))
    env = make_task(dataclasses.replace(CARTPOLE, observation_scale=(2.0, 1.0, 1.0, 1.0))).vector(1)
    plain = make_task(CARTPOLE).vector(1)
    a, b = env.reset(0, np.random.default_rng(0)), plain.reset(0, np.random.default_rng(0))
    assert a[0] == pytest.approx(2 * b[0]) and a[1:] == pytest.approx(b[1:])
    with pytest.raises(ValueError, match="discrete"):
        make_task(TaskSettings.from_config(id="Pendulum-v1"))
    with pytest.raises(ValueError, match="observation_scale"):
        make_task(dataclasses.replace(CARTPOLE, observation_scale=(1.0, 2.0)))


def test_cartpole_episodes_have_their_own_lengths_and_windows():
    tr = train([Run(spec("random"), 0), Run(spec("fixed", Architecture(2, 32, "relu")), 1)], 7)
    for i in range(2):
        lengths = [e["steps"] for e in tr.logs[i].episodes]
        assert len(lengths) == 7 and all(1 <= n <= 60 for n in lengths)
        assert [e["return"] for e in tr.logs[i].episodes] == [float(n) for n in lengths]  # CartPole: +1 per step
        assert [w["window"] for w in tr.search.windows[i]] == [0, 1, 2]
    assert [e["steps"] for e in tr.logs[0].episodes] != [e["steps"] for e in tr.logs[1].episodes]
    assert int(tr.counters.steps.sum()) == sum(e["steps"] for log in tr.logs for e in log.episodes)


def test_runs_of_one_process_match_runs_trained_alone():
    """Episodes end at different steps, so a group updates only its members that are due;
    each run's rows are still byte-identical to training it alone."""
    runs = [Run(spec("nas", name="n"), 0), Run(spec("random", name="r"), 1), Run(spec("nas", name="n"), 2),
            Run(spec("fixed", Architecture(2, 32, "relu"), name="f"), 3), Run(spec("fixed", Architecture(2, 32, "relu"), name="f"), 4)]
    together = train(runs, 8)
    for i, run in enumerate(runs):
        assert rows(train([run], 8), 0) == rows(together, i), run


def test_resume_mid_episode_is_byte_identical():
    runs = [Run(spec("random"), 5), Run(spec("nas"), 6)]
    reference = train(runs, 6)
    tr = Trainer(runs, 6)
    for _ in range(137):  # some runs are in the middle of an episode
        tr.step()
    assert (tr.env.t > 0).any()
    resumed = Trainer(runs, 6)
    resumed.load_state_dict(pickle.loads(pickle.dumps(tr.state_dict())))
    resumed = train(runs, 6, trainer=resumed)
    for i in range(2):
        assert rows(resumed, i) == rows(reference, i)


def test_terminated_is_not_bootstrapped_and_truncated_is():
    tr = Trainer([Run(spec("fixed", Architecture(2, 32, "relu"), task=dataclasses.replace(CARTPOLE, max_episode_steps=12)), 0)], 30)
    while not tr.done:
        tr.step()
    n = int(tr.memory.size[0])
    not_done, last_obs = tr.memory.not_done[0, :n], tr.memory.next_obs[0, :n]
    lengths = [e["steps"] for e in tr.logs[0].episodes]
    ends = np.cumsum(lengths) - 1
    for end in ends[ends < n]:
        x, theta = last_obs[end, 0], last_obs[end, 2]
        fell = abs(x) > 2.4 or abs(theta) > 12 * 2 * np.pi / 360  # CartPole's termination
        assert not_done[end] == (0.0 if fell else 1.0)  # terminated: y = r; truncated at the limit: bootstrap
    assert 0.0 in not_done[ends[ends < n]] and 1.0 in not_done[ends[ends < n]]
    inner = np.setdiff1d(np.arange(n), ends)
    assert (not_done[inner] == 1.0).all()


def test_greedy_evaluation_of_the_pendulum_sees_scaled_observations():
    """Training feeds the network scaled observations; evaluation must feed the same."""
    from nasdqn.tasks.evaluation import eval_generator

    seen = {}

    def q_fn(obs):
        seen.setdefault("first", np.array(obs, dtype=np.float64))
        return np.zeros((len(obs), 3))

    plain, twice = TaskSettings.from_config(), TaskSettings.from_config(observation_scale=(2.0, 2.0, 2.0))
    make_task(plain).greedy_returns(q_fn, eval_generator(0), 1)
    unscaled = seen.pop("first")
    make_task(twice).greedy_returns(q_fn, eval_generator(0), 1)
    assert np.allclose(seen["first"], 2 * unscaled, atol=1e-6)


def _box2d() -> bool:
    try:
        import Box2D  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("env_id", ["MountainCar-v0", pytest.param("LunarLander-v3", marks=pytest.mark.skipif(
    not _box2d(), reason="Box2D is the optional extra .[box2d]"))])
def test_resume_of_environments_stepped_by_gymnasium_is_byte_identical(env_id):
    """Tasks that Gymnasium steps (not the batched classic-control ones) checkpoint each episode in
    flight as its reset seed and actions, replayed on load: a LunarLander-v3 environment pickles as
    an empty world, so pickling environments whole resumed a broken episode."""
    task = TaskSettings.from_config(id=env_id, max_episode_steps=40)
    runs = [Run(spec("random", task=task), 5), Run(spec("nas", task=task), 6)]
    reference = train(runs, 5)
    tr = Trainer(runs, 5)
    for _ in range(97):
        tr.step()
    assert (tr.env.t > 0).any() and type(tr.env).__name__ == "VecGymnasiumEnv"
    resumed = Trainer(runs, 5)
    resumed.load_state_dict(pickle.loads(pickle.dumps(tr.state_dict())))
    resumed = train(runs, 5, trainer=resumed)
    for i in range(2):
        assert rows(resumed, i) == rows(reference, i)
