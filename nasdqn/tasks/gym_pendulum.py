"""The section-2.1 inverted pendulum as a Gymnasium environment (`nasdqn/InvertedPendulum-v0`,
registered by `import nasdqn`), and the drawing of its frames; the physics live in
nasdqn/tasks/pendulum.py."""
from __future__ import annotations

from typing import Any, ClassVar

import gymnasium
import numpy as np
from gymnasium import spaces

from nasdqn.settings.config import PENDULUM_ID
from nasdqn.tasks.pendulum import (
    N_ACTIONS,
    OBS_DIM,
    PendulumParams,
    dynamics_step,
    observe,
    sample_initial_state,
    torque_of,
    wrap_angle,
)

ENV_ID = PENDULUM_ID  # registered with Gymnasium by `import nasdqn` (nasdqn/__init__.py)
RENDER_SIZE = 256  # rgb_array frames are RENDER_SIZE x RENDER_SIZE x 3 uint8

# Colours of the rgb_array frame (RGB).
_BACKGROUND = np.array([255, 255, 255], dtype=np.uint8)
_UPRIGHT_MARK = np.array([210, 210, 210], dtype=np.uint8)
_ROD = np.array([204, 77, 77], dtype=np.uint8)
_BOB = np.array([140, 40, 40], dtype=np.uint8)
_PIVOT = np.array([0, 0, 0], dtype=np.uint8)


class GymInvertedPendulum(gymnasium.Env[np.ndarray, np.int64]):
    """Section 2.1 pendulum: obs [cos theta, sin theta, omega], actions {0, 1, 2}.

    Bitwise the same transitions as :class:`nasdqn.env.InvertedPendulum`: ``terminated``
    is always False and ``truncated`` becomes True after ``params.horizon`` steps (T = 200).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"], "render_fps": 50}  # 1 / dt, dt = 0.02 s

    def __init__(self, params: PendulumParams | None = None, render_mode: str | None = None) -> None:
        self.params = params or PendulumParams()
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}")
        self.render_mode = render_mode
        fps = 1.0 / self.params.dt
        if fps != self.metadata["render_fps"]:
            self.metadata = {**type(self).metadata, "render_fps": int(fps) if fps.is_integer() else fps}
        # omega is clipped to omega_max by every step; only a start distribution wider than
        # omega_max (not the paper's) could put the first observation beyond it.
        w = max(self.params.max_speed, self.params.initial_omega_high)
        high = np.array([1.0, 1.0, w], dtype=np.float32)
        self.observation_space = spaces.Box(-high, high, shape=(OBS_DIM,), dtype=np.float32)
        self.action_space = spaces.Discrete(N_ACTIONS)
        self._state = np.zeros(2, dtype=np.float64)
        self.t = 0

    @property
    def state(self) -> np.ndarray:
        """Physical state [theta, omega] (a copy)."""
        return self._state.copy()

    @state.setter
    def state(self, value: np.ndarray) -> None:
        value = np.asarray(value, dtype=np.float64)
        if value.shape != (2,):
            raise ValueError(f"state must be [theta, omega], got shape {value.shape}")
        self._state = np.array([wrap_angle(value[0]), value[1]], dtype=np.float64)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Draw (theta, omega) from the start distribution with ``self.np_random``."""
        super().reset(seed=seed)
        theta, omega = sample_initial_state(self.np_random, self.params)
        self._state = np.array([theta, omega], dtype=np.float64)
        self.t = 0
        return observe(self._state[0], self._state[1]), {}

    def step(self, action: int | np.integer) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """One semi-implicit Euler step (section 2.1.1); reward on the pre-step state (2.1.3)."""
        if not self.action_space.contains(action):
            raise ValueError(f"action must be one of {tuple(range(N_ACTIONS))}, got {action!r}")
        torque = float(torque_of(int(action), self.params))
        theta, omega, reward = dynamics_step(self._state[0], self._state[1], torque, self.params)
        self._state = np.array([theta, omega], dtype=np.float64)
        self.t += 1
        truncated = self.t >= self.params.horizon
        return observe(theta, omega), float(reward), False, truncated, {"torque": torque}

    def render(self) -> np.ndarray | None:
        """An RGB frame (uint8, 256 x 256 x 3) of the pendulum, upright = up; None without render_mode."""
        if self.render_mode is None:
            gymnasium.logger.warn(
                f"Calling render() without a render_mode; use gymnasium.make({ENV_ID!r}, render_mode='rgb_array')."
            )
            return None
        return render_frame(float(self._state[0]))


def render_frame(theta: float, size: int = RENDER_SIZE) -> np.ndarray:
    """Draw the rod at angle theta from the vertical (theta = 0 upright) with plain numpy."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    c = size / 2.0
    rod = 0.4 * size
    tip_x, tip_y = c + rod * np.sin(theta), c - rod * np.cos(theta)
    frame = np.empty((size, size, 3), dtype=np.uint8)
    frame[:] = _BACKGROUND
    frame[(np.abs(xx - c) <= 0.5) & (yy <= c)] = _UPRIGHT_MARK
    # distance from each pixel centre to the segment pivot -> tip
    dx, dy = tip_x - c, tip_y - c
    u = np.clip(((xx - c) * dx + (yy - c) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
    dist = np.hypot(xx - (c + u * dx), yy - (c + u * dy))
    frame[dist <= 0.025 * size] = _ROD
    frame[np.hypot(xx - tip_x, yy - tip_y) <= 0.06 * size] = _BOB
    frame[np.hypot(xx - c, yy - c) <= 0.02 * size] = _PIVOT
    return frame
