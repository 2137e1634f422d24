"""The one interface through which the package sees a task: the paper's pendulum, or any
discrete-action Gymnasium environment.

A `Task` knows its dimensions and labels (`TaskInfo`), builds the array of environments a
training process steps (`VecEnv`: one environment per run, reset one run at a time from that
run's env stream, stepped together, with termination and truncation), plays greedy episodes for
evaluation, draws the frames of a GIF and says what a saved policy records of it. Observations
are float32 rows, multiplied by `env.observation_scale` when it is set, everywhere a network
sees them. Which class serves which `env.id` is the registry `TASKS` (any id not in it is a
Gymnasium task). No code outside nasdqn/tasks/ branches on the kind of task.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nasdqn.settings.config import PENDULUM_ID, PENDULUM_KEYS
from nasdqn.settings.typed import section_settings

QFunction = Callable[[np.ndarray], np.ndarray]  # observations (N, obs_dim) -> Q-values (N, n_actions)


@section_settings("env")
class TaskSettings:
    """The config's `env` section, a field per key (declared, typed and defaulted in
    nasdqn/settings/table.py): which task, its time limit, how its observations are scaled, and
    the pendulum's start distribution. `TaskSettings.from_config(env)` fills omitted keys."""

    def __post_init__(self) -> None:
        if self.observation_scale is not None:
            object.__setattr__(self, "observation_scale", tuple(float(s) for s in self.observation_scale))

    @classmethod
    def from_policy_meta(cls, meta: dict) -> "TaskSettings":
        kwargs = {k: meta[k] for k in ("max_episode_steps", *PENDULUM_KEYS) if k in meta}
        if "observation_scale" in meta:
            kwargs["observation_scale"] = tuple(float(s) for s in str(meta["observation_scale"]).split(","))
        return cls.from_config(id=str(meta.get("task", PENDULUM_ID)), **kwargs)


@dataclass(frozen=True)
class TaskInfo:
    """What the networks, figures and reports need to know of a task."""

    obs_dim: int
    n_actions: int
    max_steps: int  # the time limit: episode draws are made for this many steps
    input_labels: tuple[str, ...]  # one per observation component
    action_labels: tuple[str, ...]  # one per action


def scale_row(settings: TaskSettings) -> np.ndarray | None:
    """env.observation_scale as a float32 row (None: observations are used as they are)."""
    return None if settings.observation_scale is None else np.asarray(settings.observation_scale, dtype=np.float32)


def scaled(obs: np.ndarray, scale: np.ndarray | None) -> np.ndarray:
    """Observations (rows) multiplied by the scale row, float32."""
    return obs if scale is None else (obs * scale).astype(np.float32)


class VecEnv(ABC):
    """One environment per run of a training process.

    `t[i]`: steps of run i's episode so far. `lockstep`: every run is always at the same step of
    its episode (episodes of one fixed length that start together), which lets the trainer use
    plain slices instead of per-run indexing. Saves (state_dict) everything an episode in flight
    depends on.
    """

    lockstep: bool = False

    def __init__(self, n: int, scale: np.ndarray | None) -> None:
        self.n, self.scale = n, scale
        self.t = np.zeros(n, dtype=np.int64)

    def reset_all(self, rngs: list[np.random.Generator]) -> np.ndarray:
        """Start every run's next episode, run i from rngs[i]; the observations (n, obs_dim). (One
        run at a time; a task whose runs share their resets overrides it.)"""
        return np.stack([self.reset(i, rngs[i]) for i in range(self.n)])

    def observed(self, obs: np.ndarray) -> np.ndarray:
        """Observations as the networks see them (scaled where env.observation_scale is set)."""
        return scaled(obs, self.scale)

    @abstractmethod
    def reset(self, i: int, rng: np.random.Generator) -> np.ndarray:
        """Start run i's next episode from its env stream; the new observation row."""

    @abstractmethod
    def step(self, actions: np.ndarray, active: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(obs, reward, terminated, truncated) of every run; inactive runs are not stepped."""

    @abstractmethod
    def state_dict(self) -> dict: ...

    @abstractmethod
    def load_state_dict(self, state: dict) -> None: ...


@dataclass(frozen=True)
class GifFrames:
    """One greedy episode drawn for a GIF: RGB frames (H, W, 3) uint8, a caption per frame."""

    frames: list[np.ndarray]
    captions: list[str]
    episode_return: float


class Task(ABC):
    """A task: its settings, its dimensions and labels, and what the pipeline does with it."""

    def __init__(self, settings: TaskSettings) -> None:
        self.settings = settings
        self.scale = scale_row(settings)
        self.info = self._info()
        if self.scale is not None and self.scale.shape != (self.info.obs_dim,):
            raise ValueError(f"env.observation_scale: expected {self.info.obs_dim} numbers for {settings.id}")

    @abstractmethod
    def _info(self) -> TaskInfo: ...

    @abstractmethod
    def vector(self, n: int) -> VecEnv:
        """The environments of n runs, stepped together."""

    @abstractmethod
    def greedy_returns(self, q_fn: QFunction, rng: np.random.Generator, episodes: int, side_by_side: bool = True) -> np.ndarray:
        """Undiscounted returns (float64) of `episodes` greedy episodes, started from the run's
        evaluation stream `rng`; q_fn sees observations as training does (scaled if set). A task
        may play the episodes side by side (one call of q_fn per step for all of them, a row per
        episode); side_by_side=False plays them one after another, for a q_fn that draws random
        numbers (the sanity floor's uniform policy), whose draws would otherwise be dealt out
        across episodes in another order."""

    @abstractmethod
    def gif_frames(self, q_fn: QFunction, rng: np.random.Generator, frame_every: int, steps: int | None = None) -> GifFrames:
        """The first greedy episode of `rng` (the first one greedy_returns scores), drawn."""

    def policy_meta(self) -> dict:
        """What a saved policy records of its task (plain str/int/float values)."""
        s = self.settings
        meta: dict = {"task": s.id}
        if s.max_episode_steps:
            meta["max_episode_steps"] = s.max_episode_steps
        if s.observation_scale is not None:
            meta["observation_scale"] = ",".join(repr(v) for v in s.observation_scale)
        return meta

    def observe(self, obs: np.ndarray) -> np.ndarray:
        """Raw observations (rows) as the network sees them."""
        return scaled(np.asarray(obs, dtype=np.float32), self.scale)


TaskClass = type[Task]
TASKS: dict[str, TaskClass] = {}  # env.id -> its Task class (filled by the task modules)
DEFAULT: list[TaskClass] = []  # the class of every other id (the Gymnasium task)


def register(env_id: str | None) -> Callable[[TaskClass], TaskClass]:
    """Class decorator: serve `env_id` with this Task class (None: every unregistered id)."""

    def deco(cls: TaskClass) -> TaskClass:
        if env_id is None:
            DEFAULT[:] = [cls]
        else:
            TASKS[env_id] = cls
        return cls

    return deco


def make_task(settings: TaskSettings) -> Task:
    """The task `settings.id` names (nasdqn.tasks imports every task module, so the registry is full)."""
    cls = TASKS.get(settings.id) or DEFAULT[0]
    return cls(settings)
