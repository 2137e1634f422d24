"""The episode GIF: written atomically, reproducible, and the episode that evaluation scores."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nasdqn.jobs.policy import Policy
from nasdqn.learning.network import Architecture, init_params
from nasdqn.outputs import render
from nasdqn.tasks import TaskSettings, make_task, pendulum_task
from nasdqn.tasks.evaluation import eval_generator
from nasdqn.tasks.pendulum import start_states

TASK = make_task(TaskSettings.from_config(max_episode_steps=20))


@pytest.fixture(scope="module")
def policy() -> Policy:
    arch = Architecture(2, 32, "relu")
    return Policy(arch, init_params(arch, np.random.default_rng(4)), {})


def test_gif_is_written_and_reproducible(tmp_path: Path, policy: Policy) -> None:
    a, b = tmp_path / "a.gif", tmp_path / "sub" / "b.gif"
    ret_a = render.render_gif(policy, TASK, seed=1, out=a, steps=10)
    ret_b = render.render_gif(policy, TASK, seed=1, out=b, steps=10)
    data = a.read_bytes()
    assert data.startswith(b"GIF8")
    assert data == b.read_bytes()
    assert ret_a == ret_b
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["a.gif", "b.gif"]


def test_full_render_returns_the_first_eval_return(tmp_path: Path, policy: Policy) -> None:
    ret = render.render_gif(policy, TASK, seed=3, out=tmp_path / "e.gif")
    assert ret == TASK.greedy_returns(policy.q_values, eval_generator(3), 1)[0]


def test_render_starts_from_the_first_eval_state(tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []

    def spy(q_fn, params, starts, steps):
        seen.append(starts.copy())
        return rollout(q_fn, params, starts, steps)

    rollout = pendulum_task.greedy_rollout
    monkeypatch.setattr(pendulum_task, "greedy_rollout", spy)
    render.render_gif(policy, TASK, seed=8, out=tmp_path / "s.gif", steps=2)
    np.testing.assert_array_equal(seen[0], start_states(eval_generator(8), TASK.params, 5)[:1])


def test_failed_render_leaves_no_file(tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_finish(self: render.PillowWriter) -> None:
        Path(self.outfile).write_bytes(b"GIF89a partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(render.PillowWriter, "finish", broken_finish)
    with pytest.raises(RuntimeError, match="disk full"):
        render.render_gif(policy, TASK, seed=1, out=tmp_path / "x.gif", steps=4)
    assert list(tmp_path.iterdir()) == []


def test_frames_include_both_ends(policy: Policy) -> None:
    assert [c.split()[1] for c in TASK.gif_frames(policy.q_values, eval_generator(0), 2, 10).captions] == [
        f"{t}/10" for t in (0, 2, 4, 6, 8, 10)]
    assert [c.split()[1] for c in TASK.gif_frames(policy.q_values, eval_generator(0), 3, 7).captions] == [
        f"{t}/7" for t in (0, 3, 6, 7)]


def test_a_gymnasium_task_draws_its_own_frames(tmp_path: Path) -> None:
    task = make_task(TaskSettings.from_config(id="CartPole-v1", max_episode_steps=12))
    arch = Architecture(2, 32, "relu")
    policy = Policy(arch, init_params(arch, np.random.default_rng(0), 4, 2), {})
    ret = render.render_gif(policy, task, seed=0, out=tmp_path / "c.gif", frame_every=4)
    assert ret == task.greedy_returns(policy.q_values, eval_generator(0), 1)[0]
    assert (tmp_path / "c.gif").read_bytes().startswith(b"GIF8")


@pytest.mark.parametrize("kwargs", [{"steps": 0}, {"steps": 21}, {"fps": 0}, {"frame_every": 0}])
def test_bad_arguments(tmp_path: Path, policy: Policy, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        render.render_gif(policy, TASK, seed=1, out=tmp_path / "x.gif", **kwargs)


def test_the_pendulums_gif_feeds_the_network_scaled_observations():
    """Training feeds the network scaled observations (env.observation_scale); the GIF's episode
    must too (it ignored the scale before the Task interface)."""
    seen = {}

    def q_fn(obs):
        seen.setdefault("first", np.array(obs, dtype=np.float64))
        return np.zeros((len(obs), 3))

    make_task(TaskSettings.from_config(max_episode_steps=5)).gif_frames(q_fn, eval_generator(0), 1)
    plain = seen.pop("first")
    make_task(TaskSettings.from_config(max_episode_steps=5, observation_scale=(2.0, 2.0, 2.0))).gif_frames(q_fn, eval_generator(0), 1)
    assert np.allclose(seen["first"], 2 * plain, atol=1e-6)
