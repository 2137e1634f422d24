"""Any discrete-action Gymnasium environment with a flat observation vector as a Task: one
environment per run, reset from a seed drawn from the run's env stream; episodes end at
different steps for different runs (terminated: the task ended, no bootstrap; truncated: the
time limit, bootstrap through it). Acrobot-v1 and CartPole-v1 step all runs as one array
(nasdqn/tasks/classic_control.py, the same bits as Gymnasium's environments); every other task
steps Gymnasium's own environment per run."""
from __future__ import annotations

import numpy as np

from nasdqn.tasks.base import GifFrames, QFunction, Task, TaskInfo, TaskSettings, VecEnv, register
from nasdqn.tasks.classic_control import BATCHED, VecClassicControl

# Names of the observation components and actions of tasks we study (others: obs[k], action k).
LABELS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "CartPole-v1": (("x", "ẋ", "θ", "θ̇"), ("push left", "push right")),
    "Acrobot-v1": (("cos θ1", "sin θ1", "cos θ2", "sin θ2", "θ̇1", "θ̇2"), ("torque -1", "torque 0", "torque +1")),
    "LunarLander-v3": (("x", "y", "ẋ", "ẏ", "θ", "θ̇", "leg 1", "leg 2"), ("noop", "left engine", "main engine", "right engine")),
}


def make_gym(settings: TaskSettings, render_mode: str | None = None):
    """gymnasium.make of the task (importing nasdqn registers the pendulum there too)."""
    import gymnasium

    kwargs = {"max_episode_steps": settings.max_episode_steps} if settings.max_episode_steps else {}
    return gymnasium.make(settings.id, render_mode=render_mode, **kwargs)


class VecGymnasiumEnv(VecEnv):
    def __init__(self, settings: TaskSettings, n: int, obs_dim: int, scale: np.ndarray | None) -> None:
        super().__init__(n, scale)
        self.obs_dim = obs_dim
        self.envs = [make_gym(settings) for _ in range(n)]
        # What each run's episode in flight depends on: the seed it was reset with and its actions
        # since (an environment's state is a function of these two; Box2D worlds cannot be pickled).
        self.episode_seed = np.full(n, -1, dtype=np.int64)
        self.actions: list[list[int]] = [[] for _ in range(n)]

    def reset(self, i: int, rng: np.random.Generator) -> np.ndarray:
        self.t[i] = 0
        self.episode_seed[i], self.actions[i] = int(rng.integers(2**31 - 1)), []
        obs, _ = self.envs[i].reset(seed=int(self.episode_seed[i]))
        return self.observed(np.asarray(obs, dtype=np.float32))

    def step(self, actions: np.ndarray, active: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        self.t += active
        obs = np.zeros((self.n, self.obs_dim), dtype=np.float32)
        reward = np.zeros(self.n)
        terminated, truncated = np.zeros(self.n, dtype=bool), np.zeros(self.n, dtype=bool)
        for i in np.flatnonzero(active):
            self.actions[i].append(int(actions[i]))
            o, r, term, trunc, _ = self.envs[i].step(int(actions[i]))
            obs[i], reward[i], terminated[i], truncated[i] = o, r, term, trunc
        return self.observed(obs), reward, terminated, truncated

    def state_dict(self) -> dict:
        """Each run's episode as its reset seed and its actions since (replayed on load): an
        environment's own pickle may hold none of its state (Box2D's worlds are rebuilt empty)."""
        return {"t": self.t.copy(), "episode_seed": self.episode_seed.copy(), "actions": [list(a) for a in self.actions]}

    def load_state_dict(self, state: dict) -> None:
        self.t, self.episode_seed = state["t"].copy(), state["episode_seed"].copy()
        self.actions = [list(a) for a in state["actions"]]
        for env, seed, actions in zip(self.envs, self.episode_seed, self.actions):
            if seed >= 0:  # a run whose first episode has begun: replay it to where it was
                env.reset(seed=int(seed))
                for a in actions:
                    env.step(a)


@register(None)
class GymnasiumTask(Task):
    def _info(self) -> TaskInfo:
        env = make_gym(self.settings)
        try:
            n = getattr(env.action_space, "n", None)
            if n is None or len(env.observation_space.shape) != 1:
                raise ValueError(f"env.id {self.settings.id!r}: needs a discrete action space and a flat observation vector")
            limit = env.spec.max_episode_steps if env.spec is not None else None
            if not limit:
                raise ValueError(f"env.id {self.settings.id!r}: has no time limit (max_episode_steps); episodes must end")
            d = int(env.observation_space.shape[0])
        finally:
            env.close()
        inputs, actions = LABELS.get(self.settings.id, (tuple(f"obs[{k}]" for k in range(d)), tuple(f"action {a}" for a in range(n))))
        return TaskInfo(d, int(n), int(limit), inputs, actions)

    def vector(self, n: int) -> VecEnv:
        if self.settings.id in BATCHED:
            return VecClassicControl(BATCHED[self.settings.id], n, self.info.max_steps, self.scale)
        return VecGymnasiumEnv(self.settings, n, self.info.obs_dim, self.scale)

    def _episode(self, env, q_fn: QFunction, seed: int, on_step=None) -> float:
        obs, _ = env.reset(seed=seed)
        done, ret, t = False, 0.0, 0
        while not done:
            obs, r, term, trunc, _ = env.step(int(np.argmax(q_fn(self.observe(obs)[None])[0])))
            ret, t, done = ret + float(r), t + 1, term or trunc
            if on_step is not None:
                on_step(t, done, ret)
        return ret

    def greedy_returns(self, q_fn: QFunction, rng: np.random.Generator, episodes: int, side_by_side: bool = True) -> np.ndarray:
        if self.settings.id in BATCHED and side_by_side:
            return self._batched_greedy_returns(q_fn, rng, episodes)
        env = make_gym(self.settings)
        try:
            return np.array([self._episode(env, q_fn, int(rng.integers(2**31 - 1))) for _ in range(episodes)])
        finally:
            env.close()

    def _batched_greedy_returns(self, q_fn: QFunction, rng: np.random.Generator, episodes: int) -> np.ndarray:
        """The episodes of greedy_returns played side by side: the same reset seeds, in order, and
        the network applied to each episode's observation as a row of its own (a stacked product
        of one row each: the same bits as one episode at a time)."""
        env = VecClassicControl(BATCHED[self.settings.id], episodes, self.info.max_steps, self.scale)
        obs = env.reset_all([rng] * episodes)  # one draw per episode, in episode order
        running, returns = np.ones(episodes, dtype=bool), np.zeros(episodes)
        while running.any():
            actions = np.argmax(q_fn(obs[:, None, :])[:, 0], axis=1)
            obs, reward, terminated, truncated = env.step(actions, running)
            returns += reward
            running &= ~(terminated | truncated)
        return returns

    def gif_frames(self, q_fn: QFunction, rng: np.random.Generator, frame_every: int, steps: int | None = None) -> GifFrames:
        """The task's own rgb_array frames (the reset seed is the first draw of `rng`)."""
        env = make_gym(self.settings, render_mode="rgb_array")
        frames, steps_drawn = [], []
        try:
            seed = int(rng.integers(2**31 - 1))
            env.reset(seed=seed)
            frames.append(env.render())
            steps_drawn.append(0)

            def draw(t: int, done: bool, ret: float) -> None:
                if t % frame_every == 0 or done:
                    frames.append(env.render())
                    steps_drawn.append(t)

            ret = self._episode(env, q_fn, seed, draw)
        finally:
            env.close()
        captions = [f"{self.settings.id}  step {t}  return {ret:.1f}" for t in steps_drawn]
        return GifFrames(frames, captions, ret)
