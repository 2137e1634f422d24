"""The replay memory D of section 2.3.1: one ring buffer per run of a process, in one array."""
from __future__ import annotations

import numpy as np


class ReplayBuffer:
    """One ring buffer per run, all in one float32 array of shape (runs, capacity, 2 d + 3).

    A row is [s (d), s' (d), a, r, 1 - done]: one fancy-index gather fetches a whole
    minibatch, and 1 - done is stored so that the target needs a single fused op.
    """

    def __init__(self, n_runs: int, capacity: int, obs_dim: int = 3) -> None:
        d = obs_dim
        self.OBS, self.NEXT_OBS, self.ACTION, self.REWARD, self.NOT_DONE = slice(0, d), slice(d, 2 * d), 2 * d, 2 * d + 1, 2 * d + 2
        self.WIDTH = 2 * d + 3
        self.capacity = capacity
        self.data = np.zeros((n_runs, capacity, self.WIDTH), dtype=np.float32)
        self.pos = np.zeros(n_runs, dtype=np.int64)
        self.size = np.zeros(n_runs, dtype=np.int64)
        self._rows = np.arange(n_runs)
        self._row = np.zeros((n_runs, self.WIDTH), dtype=np.float32)

    # views by field, for readers and tests
    obs = property(lambda self: self.data[..., self.OBS])
    next_obs = property(lambda self: self.data[..., self.NEXT_OBS])
    action = property(lambda self: self.data[..., self.ACTION])
    reward = property(lambda self: self.data[..., self.REWARD])
    not_done = property(lambda self: self.data[..., self.NOT_DONE])

    def add(self, obs: np.ndarray, action: np.ndarray, reward: np.ndarray, next_obs: np.ndarray, done: np.ndarray | float,
            runs: np.ndarray | None = None) -> None:
        """Store one experience (s, a, r, s', done) of every run (or of `runs` only: runs whose training is over)."""
        row = self._row
        row[:, self.OBS] = obs
        row[:, self.NEXT_OBS] = next_obs
        row[:, self.ACTION] = action
        row[:, self.REWARD] = reward
        row[:, self.NOT_DONE] = 1.0 - done
        if runs is None:
            self.data[self._rows, self.pos] = row
            self.pos = (self.pos + 1) % self.capacity
            np.minimum(self.size + 1, self.capacity, out=self.size)
            return
        self.data[runs, self.pos[runs]] = row[runs]
        self.pos[runs] = (self.pos[runs] + 1) % self.capacity
        self.size[runs] = np.minimum(self.size[runs] + 1, self.capacity)

    def store(self, obs: np.ndarray, action: np.ndarray, reward: np.ndarray, next_obs: np.ndarray, done: np.ndarray,
              active: np.ndarray) -> None:
        """Store one experience (s, a, r, s', done) of every active run."""
        self.add(obs, action, reward, next_obs, done.astype(np.float64), None if active.all() else np.flatnonzero(active))

    def sample(self, runs: np.ndarray, uniforms: np.ndarray) -> tuple[np.ndarray, ...]:
        """Minibatch (obs, action, reward, next_obs, not_done) for the given runs, each (G, B, .)
        (obs and next_obs as one (G, 2B, d) array [s; s'] for the shared forward pass);
        uniforms (G, B) in [0, 1) pick indices uniformly in [0, size)."""
        idx = (uniforms * self.size[runs, None]).astype(np.int64)
        batch = self.data[runs[:, None], idx]
        both = np.concatenate((batch[..., self.OBS], batch[..., self.NEXT_OBS]), axis=1)
        return (
            both,
            batch[..., self.ACTION : self.ACTION + 1].astype(np.int64),
            batch[..., self.REWARD : self.REWARD + 1],
            batch[..., self.NOT_DONE : self.NOT_DONE + 1],
        )

    def chronological(self, run: int) -> np.ndarray:
        """Ring positions of the run's experiences, oldest first."""
        size, pos = int(self.size[run]), int(self.pos[run])
        if size < self.capacity:
            return np.arange(size)
        return (np.arange(size) + pos) % self.capacity

    def keep_recent(self, run: int, keep: int) -> None:
        """Memory pruning: keep only the run's `keep` most recent experiences, moved to the front."""
        order = self.chronological(run)
        keep = max(0, min(keep, order.size))
        self.data[run, :keep] = self.data[run, order[order.size - keep :]]
        self.size[run] = keep
        self.pos[run] = keep % self.capacity

    def state_dict(self) -> dict:
        return {"data": self.data.copy(), "pos": self.pos.copy(), "size": self.size.copy()}

    def load_state_dict(self, state: dict) -> None:
        self.data[...] = state["data"]
        self.pos = state["pos"].copy()
        self.size[...] = state["size"]
