"""Double DQN (section 2.3.1) with the paper's loss, clipping and update rule (section 2.2.3).

A `DQNGroup` trains G runs that currently share one architecture with stacked weights.
The replay memory holds all runs of a process in preallocated arrays.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from nasdqn.learning.network import Architecture, StackedMLP, flat_views, init_params
from nasdqn.settings.space import check_choices


@dataclass(frozen=True)
class DQNSettings:
    """Learner settings; every one the paper leaves open is explained in docs/assumptions.md."""

    gamma: float = 0.99
    optimizer: Literal["sgd", "adam"] = "adam"  # "sgd" is the paper's plain gradient descent
    learning_rate: float = 1e-3
    adam_betas: tuple[float, float] = (0.9, 0.999)
    adam_eps: float = 1e-8
    batch_size: int = 64
    replay_size: int = 50_000
    learning_starts: int = 1_000
    train_freq: int = 4
    target_update_steps: int = 1_000
    grad_clip: float = 1.0  # C
    huber_delta: float = 1.0  # delta
    terminal_on_horizon: bool = True
    epsilon_start: float = 1.0
    epsilon_end: float = 0.05
    epsilon_decay: int = 200  # length of the linear decay, in protocol.unit (nasdqn/learning/exploration.py)

    def __post_init__(self) -> None:
        check_choices(self)


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
        """Store one transition of every run (or of `runs` only: runs whose training is over)."""
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

    def sample(self, runs: np.ndarray, uniforms: np.ndarray) -> tuple[torch.Tensor, ...]:
        """Minibatch (obs, action, reward, next_obs, not_done) for the given runs, each (G, B, .);
        uniforms (G, B) in [0, 1) pick indices uniformly in [0, size)."""
        idx = (uniforms * self.size[runs, None]).astype(np.int64)
        batch = torch.from_numpy(self.data[runs[:, None], idx])
        return (
            batch[..., self.OBS],
            batch[..., self.ACTION : self.ACTION + 1].long(),
            batch[..., self.REWARD : self.REWARD + 1],
            batch[..., self.NEXT_OBS],
            batch[..., self.NOT_DONE : self.NOT_DONE + 1],
        )

    def chronological(self, run: int) -> np.ndarray:
        """Ring positions of the run's transitions, oldest first."""
        size, pos = int(self.size[run]), int(self.pos[run])
        if size < self.capacity:
            return np.arange(size)
        return (np.arange(size) + pos) % self.capacity

    def keep_recent(self, run: int, keep: int) -> None:
        """Memory pruning: keep only the run's `keep` most recent transitions, moved to the front."""
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


@dataclass
class MemberState:
    """Everything of one run's learner that moves when runs are regrouped."""

    online: list[np.ndarray]
    target: list[np.ndarray]
    adam_m: list[np.ndarray] | None
    adam_v: list[np.ndarray] | None
    opt_steps: int
    loss_sum: float = 0.0  # losses of the episode in progress (it may outlast a regrouping)
    n_updates: int = 0


def fresh_member(arch: Architecture, rng: np.random.Generator, obs_dim: int = 3, n_actions: int = 3) -> MemberState:
    params = init_params(arch, rng, obs_dim, n_actions)
    return MemberState(
        online=params, target=[p.copy() for p in params], adam_m=None, adam_v=None, opt_steps=0
    )


class DQNGroup:
    """G runs sharing one architecture and learner settings: online and target networks,
    optimiser state. `runs` are the runs' indices in the process."""

    def __init__(self, arch: Architecture, runs: list[int], members: list[MemberState], settings: DQNSettings):
        self.arch = arch
        self.runs = np.asarray(runs, dtype=np.int64)
        self.s = settings
        self.online = StackedMLP(arch, [m.online for m in members])
        self.target = StackedMLP(arch, [m.target for m in members])
        self.opt_steps = np.array([m.opt_steps for m in members], dtype=np.int64)
        if settings.optimizer == "adam":
            self.adam_m_flat, self.adam_m = flat_views(self.online.shapes)
            self.adam_v_flat, self.adam_v = flat_views(self.online.shapes)
            # the member each element of the flat buffer belongs to (parameters are member-major)
            self._member_of = torch.cat([torch.arange(len(members)).repeat_interleave(int(np.prod(s[1:])))
                                         for s in self.online.shapes])
            for i in range(len(self.adam_m)):
                for g, m in enumerate(members):
                    if m.adam_m is not None:
                        self.adam_m[i][g] = torch.from_numpy(m.adam_m[i])
                        self.adam_v[i][g] = torch.from_numpy(m.adam_v[i])
        self.loss_sum = torch.tensor([m.loss_sum for m in members], dtype=torch.float64)
        self.n_updates = np.array([m.n_updates for m in members], dtype=np.int64)  # per member, since its episode began

    def member(self, g: int) -> MemberState:
        adam = self.s.optimizer == "adam"
        return MemberState(
            online=self.online.member(g),
            target=self.target.member(g),
            adam_m=[t[g].numpy().copy() for t in self.adam_m] if adam else None,
            adam_v=[t[g].numpy().copy() for t in self.adam_v] if adam else None,
            opt_steps=int(self.opt_steps[g]),
            loss_sum=float(self.loss_sum[g]),
            n_updates=int(self.n_updates[g]),
        )

    def greedy_actions(self, obs: np.ndarray) -> np.ndarray:
        """argmax_a Q(s, a; w) for each member's observation (G, d)."""
        return self.online.q_values_np(obs).argmax(axis=1)

    def sync_target(self, due: np.ndarray | None = None) -> None:
        """w^- <- w, for every member or for the members marked `due`."""
        if due is None or due.all():
            self.target.copy_from(self.online)
            return
        mask = torch.from_numpy(due)
        for t, p in zip(self.target.params, self.online.params):
            t[mask] = p[mask]

    def compute_gradients(self, batch: tuple[torch.Tensor, ...]) -> tuple[list[torch.Tensor], torch.Tensor]:
        """Unclipped gradients of J(w) and the per-member loss, for one minibatch per member.

        batch = (s, a, r, s', 1 - done), each of shape (G, N, .).
        """
        obs, action, reward, next_obs, not_done = batch
        n, delta = obs.shape[1], self.s.huber_delta
        # One forward pass of the online network over [s_i; s_{i+1}]: the first half is
        # backpropagated, the second half picks argmax_a' Q_w(s_{i+1}, a') for Double DQN.
        q_all, hs = self.online.forward(torch.cat((obs, next_obs), dim=1))
        q, q_next_online = q_all[:, :n], q_all[:, n:]
        best_next = q_next_online.argmax(dim=2, keepdim=True)
        q_next, _ = self.target.forward(next_obs)
        # y_i = r_i + gamma Q_{w-}(s_{i+1}, argmax_a' Q_w(s_{i+1}, a')), and y_i = r_i at terminal states
        y = torch.addcmul(reward, not_done, q_next.gather(2, best_next), value=self.s.gamma)
        q_taken = q.gather(2, action)
        loss = torch.nn.functional.huber_loss(q_taken, y, reduction="none", delta=delta).mean(dim=(1, 2))
        # dJ/dQ(s_i, a_i) = -clip(y_i - Q, -delta, delta) / N, zero for the other actions.
        td = (q_taken - y).clamp_(-delta, delta).mul_(1.0 / n)
        dq = torch.zeros_like(q).scatter_(2, action, td)
        return self.online.backward(hs, dq), loss

    def update(self, batch: tuple[torch.Tensor, ...], due: np.ndarray | None = None) -> None:
        """One gradient step of every member, or of the members marked `due` (the others, whose
        episodes run on another schedule, keep their weights and optimiser state bit for bit)."""
        keep = None if due is None or due.all() else ~due
        saved = self._save(keep) if keep is not None else None
        _, loss = self.compute_gradients(batch)
        c = self.s.grad_clip
        grads = self.online.grad_flat  # every gradient, as one flat tensor
        grads.clamp_(-c, c)  # element-wise clip(grad, -C, C)
        stepped = np.ones(len(self.runs), dtype=bool) if keep is None else due
        self.opt_steps += stepped
        if self.s.optimizer == "sgd":
            self.online.flat.add_(grads, alpha=-self.s.learning_rate)  # w <- w - alpha clip(grad)
        else:
            self._adam_step(grads)
        if saved is not None:
            self._restore(keep, saved)
            loss = torch.where(torch.from_numpy(due), loss, torch.zeros_like(loss))
        self.loss_sum += loss
        self.n_updates += stepped

    def _state_tensors(self) -> list[torch.Tensor]:
        adam = self.adam_m + self.adam_v if self.s.optimizer == "adam" else []
        return list(self.online.params) + adam

    def _save(self, keep: np.ndarray) -> list[torch.Tensor]:
        mask = torch.from_numpy(keep)
        return [t[mask].clone() for t in self._state_tensors()]

    def _restore(self, keep: np.ndarray, saved: list[torch.Tensor]) -> None:
        mask = torch.from_numpy(keep)
        for t, s in zip(self._state_tensors(), saved):
            t[mask] = s

    def _adam_step(self, grads: torch.Tensor) -> None:
        """Adam with each member's own bias correction (members restart their optimiser at
        different times), the same ops whichever members share the group."""
        b1, b2 = self.s.adam_betas
        m, v = self.adam_m_flat, self.adam_v_flat
        m.lerp_(grads, 1.0 - b1)
        v.mul_(b2).addcmul_(grads, grads, value=1.0 - b2)
        steps = self.opt_steps
        same = bool((steps == steps[0]).all())
        t = torch.from_numpy((steps[:1] if same else steps).astype(np.float32))
        bc1 = 1.0 - torch.pow(torch.tensor(b1, dtype=torch.float32), t)
        bc2 = 1.0 - torch.pow(torch.tensor(b2, dtype=torch.float32), t)
        # one value for every element when the members agree, else each element its member's:
        # the same float32 operands either way, so the same bits whatever the group
        bc1, bc2 = (bc1[0], bc2[0]) if same else (bc1[self._member_of], bc2[self._member_of])
        step = (m / bc1).mul_(self.s.learning_rate)
        step.div_((v / bc2).sqrt_().add_(self.s.adam_eps))
        self.online.flat.sub_(step)

    def take_mean_loss(self, members: np.ndarray | None = None) -> np.ndarray:
        """Mean loss of each member (or of `members`, indices into the group) since its last
        call (NaN where no update happened), and reset those members' sums."""
        idx = np.arange(len(self.runs)) if members is None else np.asarray(members)
        n = self.n_updates[idx]
        sums = self.loss_sum.numpy()[idx]
        out = np.where(n > 0, sums / np.maximum(n, 1), np.nan)
        self.loss_sum[torch.from_numpy(idx)] = 0.0
        self.n_updates[idx] = 0
        return out
