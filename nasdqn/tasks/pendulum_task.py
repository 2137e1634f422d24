"""The paper's pendulum (section 2.1) as a Task: its runs are pendulums stepped as one numpy
array, in lockstep (every episode lasts T steps), evaluated by vectorised greedy rollouts."""
from __future__ import annotations

import numpy as np

from nasdqn.settings.config import PENDULUM_ID, PENDULUM_KEYS
from nasdqn.tasks.base import GifFrames, QFunction, Task, TaskInfo, VecEnv, register, scaled
from nasdqn.tasks.gym_pendulum import render_frame
from nasdqn.tasks.pendulum import (
    N_ACTIONS,
    OBS_DIM,
    PendulumParams,
    VecPendulum,
    greedy_returns,
    greedy_rollout,
    observe,
    sample_initial_state,
    start_states,
    torque_of,
)


class VecPendulumEnv(VecEnv):
    """n pendulums of one PendulumParams; they never terminate and are truncated at T."""

    lockstep = True

    def __init__(self, n: int, params: PendulumParams, scale: np.ndarray | None) -> None:
        super().__init__(n, scale)
        self.pendulum = VecPendulum(n, params)
        self._never = np.zeros(n, dtype=bool)  # the pendulum never terminates (read only)
        self._never.flags.writeable = False

    def reset_all(self, rngs: list[np.random.Generator]) -> np.ndarray:
        self.t[:] = 0
        return scaled(self.pendulum.reset(rngs), self.scale)

    def reset(self, i: int, rng: np.random.Generator) -> np.ndarray:
        self.t[i] = 0
        p = self.pendulum
        p.theta[i], p.omega[i] = sample_initial_state(rng, p.params)
        return scaled(observe(p.theta[i : i + 1], p.omega[i : i + 1])[0], self.scale)

    def step(self, actions: np.ndarray, active: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        self.t += active
        obs, reward, _ = self.pendulum.step(actions)
        return scaled(obs, self.scale), reward, self._never, self.t >= self.pendulum.params.horizon

    def state_dict(self) -> dict:
        p = self.pendulum
        return {"t": self.t.copy(), "theta": p.theta.copy(), "omega": p.omega.copy(), "pendulum_t": p.t}

    def load_state_dict(self, state: dict) -> None:
        self.t = state["t"].copy()
        self.pendulum.theta, self.pendulum.omega = state["theta"].copy(), state["omega"].copy()
        self.pendulum.t = state["pendulum_t"]


@register(PENDULUM_ID)
class PendulumTask(Task):
    """Observation (cos theta, sin theta, omega), torques {-tau_max, 0, +tau_max}."""

    @property
    def params(self) -> PendulumParams:
        s = self.settings
        horizon = {"horizon": s.max_episode_steps} if s.max_episode_steps else {}
        return PendulumParams(**{k: getattr(s, k) for k in PENDULUM_KEYS}, **horizon)

    def _info(self) -> TaskInfo:
        torque = self.params.max_torque
        actions = tuple(f"torque {(a - 1) * torque:+g}" for a in range(N_ACTIONS))
        return TaskInfo(OBS_DIM, N_ACTIONS, self.params.horizon, ("cos θ", "sin θ", "ω"), actions)

    def vector(self, n: int) -> VecPendulumEnv:
        return VecPendulumEnv(n, self.params, self.scale)

    def _q(self, q_fn: QFunction) -> QFunction:
        return q_fn if self.scale is None else (lambda obs: q_fn(scaled(obs, self.scale)))

    def greedy_returns(self, q_fn: QFunction, rng: np.random.Generator, episodes: int, side_by_side: bool = True) -> np.ndarray:
        """Always side by side: the pendulum's episodes all last T steps (the floor's numbers were
        made this way from the start)."""
        return greedy_returns(self._q(q_fn), self.params, rng, episodes)

    def gif_frames(self, q_fn: QFunction, rng: np.random.Generator, frame_every: int, steps: int | None = None) -> GifFrames:
        params = self.params
        steps = params.horizon if steps is None else steps
        if not 1 <= steps <= params.horizon:
            raise ValueError(f"steps must be in 1..{params.horizon}, got {steps}")
        traj = greedy_rollout(self._q(q_fn), params, start_states(rng, params, 1), steps)
        ts = list(range(0, steps + 1, frame_every)) + ([] if steps % frame_every == 0 else [steps])
        captions = []
        for t in ts:
            tau = float(torque_of(traj.actions[t, 0], params)) if t < steps else 0.0
            captions.append(f"step {t}/{steps}  torque {tau:+.0f}  return {traj.returns[t, 0]:.2f}")
        frames = [render_frame(float(traj.theta[t, 0])) for t in ts]
        return GifFrames(frames, captions, float(traj.returns[-1, 0]))

    def policy_meta(self) -> dict:
        return {**super().policy_meta(), **{k: getattr(self.settings, k) for k in PENDULUM_KEYS}}
