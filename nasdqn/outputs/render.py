"""An animated GIF of one greedy episode, to see what a saved policy actually does.

The frames come from the task (`Task.gif_frames`: the pendulum's own drawing, or a Gymnasium
task's rgb_array frames) for its first evaluation episode of the run seed, so the GIF shows
exactly the first episode that evaluation scores. Frames are small and subsampled: the point is
a quick look, not a video.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.animation import FuncAnimation, PillowWriter  # noqa: E402

from nasdqn.jobs.policy import Policy  # noqa: E402
from nasdqn.tasks import Task  # noqa: E402
from nasdqn.tasks.evaluation import eval_generator  # noqa: E402

DPI = 60


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


def render_gif(policy: Policy, task: Task, seed: int, out: Path, steps: int | None = None, fps: int = 25,
               frame_every: int = 2) -> float:
    """Render the first evaluation episode of run `seed` to `out`; returns its return."""
    if fps <= 0 or frame_every <= 0:
        raise ValueError(f"fps and frame_every must be positive, got {fps} and {frame_every}")
    drawn = task.gif_frames(policy.q_values, eval_generator(seed), frame_every, steps)
    frames = drawn.frames
    # the default style, so that a user's matplotlibrc does not change the GIF
    with plt.style.context("default"):
        fig, ax = plt.subplots(figsize=(frames[0].shape[1] / 100, frames[0].shape[0] / 100 + 0.3), dpi=DPI)
        ax.axis("off")
        fig.subplots_adjust(left=0, right=1, bottom=0, top=1 - 0.3 / (frames[0].shape[0] / 100 + 0.3))
        image = ax.imshow(frames[0])
        # fig.text, not ax.set_title: title placement re-measures the axes on every draw
        title = fig.text(0.5, 0.99, "", ha="center", va="top", fontsize=7)

        def update(k: int) -> tuple:
            image.set_data(frames[k])
            title.set_text(drawn.captions[k])
            return image, title

        try:
            # no blitting: the figure-level title would be left out of the saved frames
            _save_atomic(FuncAnimation(fig, update, frames=len(frames), cache_frame_data=False), Path(out), fps)
        finally:
            plt.close(fig)
    return drawn.episode_return
