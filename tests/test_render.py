"""The episode GIF: written atomically, reproducible, and the episode that evaluation scores."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nasdqn import render
from nasdqn.env import PendulumParams
from nasdqn.evaluate import eval_generator, greedy_returns, start_states
from nasdqn.network import Architecture, init_params
from nasdqn.policy import Policy

PARAMS = PendulumParams(horizon=20)


@pytest.fixture(scope="module")
def policy() -> Policy:
    arch = Architecture(2, 32, "relu")
    return Policy(arch, init_params(arch, np.random.default_rng(4)), {})


def test_gif_is_written_and_reproducible(tmp_path: Path, policy: Policy) -> None:
    a, b = tmp_path / "a.gif", tmp_path / "sub" / "b.gif"
    ret_a = render.render_gif(policy, PARAMS, seed=1, out=a, steps=10)
    ret_b = render.render_gif(policy, PARAMS, seed=1, out=b, steps=10)
    data = a.read_bytes()
    assert data.startswith(b"GIF8")
    assert data == b.read_bytes()
    assert ret_a == ret_b
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["a.gif", "b.gif"]


def test_full_render_returns_the_first_eval_return(tmp_path: Path, policy: Policy) -> None:
    ret = render.render_gif(policy, PARAMS, seed=3, out=tmp_path / "e.gif")
    assert ret == greedy_returns(policy.q_values, PARAMS, eval_generator(3), 1)[0]


def test_render_starts_from_the_first_eval_state(
    tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = []

    def spy(q_fn, params, starts, steps):
        seen.append(starts.copy())
        return rollout(q_fn, params, starts, steps)

    rollout = render.greedy_rollout
    monkeypatch.setattr(render, "greedy_rollout", spy)
    render.render_gif(policy, PARAMS, seed=8, out=tmp_path / "s.gif", steps=2)
    np.testing.assert_array_equal(seen[0], start_states(eval_generator(8), PARAMS, 5)[:1])


def test_failed_render_leaves_no_file(tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_finish(self: render.PillowWriter) -> None:
        Path(self.outfile).write_bytes(b"GIF89a partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(render.PillowWriter, "finish", broken_finish)
    with pytest.raises(RuntimeError, match="disk full"):
        render.render_gif(policy, PARAMS, seed=1, out=tmp_path / "x.gif", steps=4)
    assert list(tmp_path.iterdir()) == []


def test_frame_steps_include_both_ends() -> None:
    assert render.frame_steps(10, 2) == [0, 2, 4, 6, 8, 10]
    assert render.frame_steps(7, 3) == [0, 3, 6, 7]
    assert render.frame_steps(1, 5) == [0, 1]


@pytest.mark.parametrize("kwargs", [{"steps": 0}, {"steps": 21}, {"fps": 0}, {"frame_every": 0}])
def test_bad_arguments(tmp_path: Path, policy: Policy, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        render.render_gif(policy, PARAMS, seed=1, out=tmp_path / "x.gif", **kwargs)
