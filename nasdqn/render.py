"""An animated GIF of one greedy episode, to see what a saved policy actually does.

The episode starts from the first evaluation start state of the run seed, so the GIF
shows exactly the first episode that evaluate_policy scores. Frames are small and
subsampled: the point is a quick look, not a video.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation, PillowWriter
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch

from .env import PendulumParams, torque_of
from .evaluate import Trajectory, eval_generator, greedy_rollout, start_states
from .policy import Policy

FIGSIZE = (3.0, 3.0)  # inches
DPI = 60


def frame_steps(steps: int, frame_every: int) -> list[int]:
    """Time steps drawn: every frame_every-th, always including the start and the end."""
    ts = list(range(0, steps + 1, frame_every))
    if ts[-1] != steps:
        ts.append(steps)
    return ts


def _scene(traj: Trajectory, params: PendulumParams, steps: int) -> tuple[Figure, Callable[[int], tuple]]:
    """A figure with the pendulum and a function that moves it to time step t."""
    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI)
    r, lim = params.length, 1.3 * params.length
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.86)
    ax.plot([0.0], [0.0], "o", color="black", ms=4, zorder=3)  # the pivot
    (rod,) = ax.plot([], [], lw=3, color="tab:blue", solid_capstyle="round")
    bob = ax.add_patch(Circle((0.0, 0.0), 0.09 * r, color="tab:blue", zorder=2))
    arrow = ax.add_patch(
        FancyArrowPatch((0, 0), (0, 0), arrowstyle="-|>", mutation_scale=12, lw=2, color="tab:red", zorder=4)
    )
    # fig.text, not ax.set_title: title placement re-measures the axes on every draw
    title = fig.text(0.5, 0.97, "", ha="center", va="top", fontsize=8)

    def update(t: int) -> tuple:
        th = float(traj.theta[t, 0])
        x, y = r * np.sin(th), r * np.cos(th)
        rod.set_data([0.0, x], [0.0, y])
        bob.center = (x, y)
        tau = float(torque_of(traj.actions[t, 0], params)) if t < steps else 0.0
        # the torque pushes along d/dtheta (sin, cos) = (cos, -sin); no arrow for tau = 0
        s = 0.5 * r * np.sign(tau)
        arrow.set_positions((x, y), (x + s * np.cos(th), y - s * np.sin(th)))
        arrow.set_visible(tau != 0.0)
        title.set_text(f"step {t}/{steps}  torque {tau:+.0f}\nreturn {traj.returns[t, 0]:.2f}")
        return rod, bob, arrow, title

    return fig, update


def _save_atomic(anim: FuncAnimation, out: Path, fps: int) -> None:
    """Write to a temporary .gif beside `out`, then rename: no partial GIF on failure."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".gif", dir=out.parent)
    os.close(fd)
    try:
        anim.save(tmp, writer=PillowWriter(fps=fps), dpi=DPI)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; a GIF is an ordinary file
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def render_gif(
    policy: Policy,
    params: PendulumParams,
    seed: int,
    out: Path,
    steps: int | None = None,
    fps: int = 25,
    frame_every: int = 2,
) -> float:
    """Render the first evaluation episode of run `seed` to `out`; returns its return."""
    steps = params.horizon if steps is None else steps
    if not 1 <= steps <= params.horizon:
        raise ValueError(f"steps must be in 1..{params.horizon}, got {steps}")
    if fps <= 0 or frame_every <= 0:
        raise ValueError(f"fps and frame_every must be positive, got {fps} and {frame_every}")
    starts = start_states(eval_generator(seed), params, 1)
    traj = greedy_rollout(policy.q_values, params, starts, steps)
    # the default style, so that a user's matplotlibrc does not change the GIF
    with plt.style.context("default"):
        fig, update = _scene(traj, params, steps)
        try:
            # no blitting: the figure-level title would be left out of the saved frames
            anim = FuncAnimation(fig, update, frames=frame_steps(steps, frame_every), cache_frame_data=False)
            _save_atomic(anim, Path(out), fps)
        finally:
            plt.close(fig)
    return float(traj.returns[-1, 0])


def render_task_gif(policy: Policy, task, seed: int, out: Path, fps: int = 25, frame_every: int = 2) -> float:
    """A Gymnasium task's own rgb_array frames of one greedy episode (its first evaluation
    episode: the reset seed is the first draw of the run's evaluation stream); the return."""
    from .tasks import make_gym, scale_array, scaled

    env = make_gym(task, render_mode="rgb_array")
    scale = scale_array(task)
    frames, ret = [], 0.0
    try:
        obs, _ = env.reset(seed=int(eval_generator(seed).integers(2**31 - 1)))
        frames.append(env.render())
        done, t = False, 0
        while not done:
            x = scaled(np.asarray(obs, dtype=np.float32)[None], scale)
            obs, r, term, trunc, _ = env.step(int(policy.greedy(x)[0]))
            ret, t, done = ret + float(r), t + 1, term or trunc
            if t % frame_every == 0 or done:
                frames.append(env.render())
    finally:
        env.close()
    with plt.style.context("default"):
        fig, ax = plt.subplots(figsize=(frames[0].shape[1] / 100, frames[0].shape[0] / 100 + 0.3), dpi=DPI)
        ax.axis("off")
        image = ax.imshow(frames[0])
        title = fig.text(0.5, 0.98, "", ha="center", va="top", fontsize=8)

        def update(k: int) -> tuple:
            image.set_data(frames[k])
            title.set_text(f"{task.id}  frame {k + 1}/{len(frames)}  return {ret:.1f}")
            return image, title

        try:
            _save_atomic(FuncAnimation(fig, update, frames=len(frames), cache_frame_data=False), Path(out), fps)
        finally:
            plt.close(fig)
    return ret
