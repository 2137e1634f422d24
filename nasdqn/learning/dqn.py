"""Double DQN (section 2.3.1) with the paper's loss, clipping and update rule (section 2.2.3).

A `DQNGroup` trains G runs that currently share one architecture and learner settings with
stacked weights (nasdqn/learning/network.py); the replay memory is nasdqn/learning/replay.py.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nasdqn.learning.network import StackedMLP, init_params
from nasdqn.learning.optim import Adam, sgd_step
from nasdqn.learning.replay import ReplayBuffer
from nasdqn.settings.space import Architecture
from nasdqn.settings.typed import section_settings

__all__ = ["DQNGroup", "DQNSettings", "MemberState", "ReplayBuffer", "fresh_member"]


@section_settings("dqn")
class DQNSettings:
    """Learner settings: a field per key of the config's `dqn` section (declared, typed and
    defaulted in nasdqn/settings/table.py; the ones the paper leaves open are argued in
    docs/assumptions.md). `DQNSettings.from_config(section)` fills omitted keys with defaults."""

    def __post_init__(self) -> None:
        if self.gradient_steps < 1:
            raise ValueError(f"gradient_steps: expected a positive integer (resolution turns -1 into train_freq), got {self.gradient_steps}")

    @property
    def uniforms_per_step(self) -> int:
        """Minibatch uniforms drawn for each environment step: a minibatch per gradient step."""
        return self.batch_size * self.gradient_steps


ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8  # Adam's constants (PyTorch's defaults)


def clip_elements(grads: np.ndarray, shapes: list[tuple[int, ...]], c: np.float32) -> None:
    """clip(g, -C, C) element by element, in place (the paper, section 2.2.3)."""
    np.minimum(np.maximum(grads, -c, out=grads), c, out=grads)


def clip_global_norm(grads: np.ndarray, shapes: list[tuple[int, ...]], c: np.float32) -> None:
    """torch.nn.utils.clip_grad_norm_ for each member, in place: g <- g min(1, C / (||g|| + 1e-6)),
    ||g|| the L2 norm over all of the member's gradients (the norm of its parameters' norms)."""
    parts = views(shapes, grads)
    g = parts[0].shape[0]
    norms = np.stack([np.sqrt(np.square(p.reshape(g, -1)).sum(axis=1)) for p in parts])  # (parameters, members)
    total = np.sqrt(np.square(norms).sum(axis=0))
    coef = np.minimum(c / (total + np.float32(1e-6)), np.float32(1.0)).astype(np.float32)
    for p in parts:
        p *= coef.reshape((g,) + (1,) * (p.ndim - 1))


CLIPPERS = {"element": clip_elements, "global_norm": clip_global_norm}  # dqn.grad_clip_mode


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
    return MemberState(online=params, target=[p.copy() for p in params], adam_m=None, adam_v=None, opt_steps=0)


def views(shapes: list[tuple[int, ...]], flat: np.ndarray) -> list[np.ndarray]:
    """A flat buffer of a stacked network's parameter layout, as one view per parameter array."""
    out, offset = [], 0
    for shape in shapes:
        n = int(np.prod(shape))
        out.append(flat[offset : offset + n].reshape(shape))
        offset += n
    return out


def load_moments(adam: Adam, m_views: list[np.ndarray], v_views: list[np.ndarray], members: list[MemberState]) -> None:
    """Put each member's Adam moments (if it has any yet) into the group's buffers."""
    for k, m in enumerate(members):
        if m.adam_m is not None:
            for i in range(len(m_views)):
                m_views[i][k] = m.adam_m[i]
                v_views[i][k] = m.adam_v[i]


class DQNGroup:
    """G runs sharing one architecture and learner settings: online and target networks,
    optimiser state. `runs` are the runs' indices in the process."""

    def __init__(self, arch: Architecture, runs: list[int], members: list[MemberState], settings: DQNSettings):
        self.arch, self.s = arch, settings
        self.runs = np.asarray(runs, dtype=np.int64)
        self.online = StackedMLP(arch, [m.online for m in members])
        self.target = StackedMLP(arch, [m.target for m in members])
        self.opt_steps = np.array([m.opt_steps for m in members], dtype=np.int64)
        g = len(members)
        self._work: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # per minibatch size: ones (sums are ones @ x), dJ/dQ
        self.adam = None
        if settings.optimizer == "adam":
            member_of = np.concatenate([np.repeat(np.arange(g), int(np.prod(s[1:]))) for s in self.online.shapes])
            self.adam = Adam(self.online.flat.size, member_of, ADAM_BETAS, ADAM_EPS, settings.learning_rate)
            load_moments(self.adam, views(self.online.shapes, self.adam.m), views(self.online.shapes, self.adam.v), members)
        self.loss_sum = np.array([m.loss_sum for m in members], dtype=np.float64)
        self.n_updates = np.array([m.n_updates for m in members], dtype=np.int64)  # per member, since its episode began

    def member(self, g: int) -> MemberState:
        adam = self.adam is not None
        return MemberState(
            online=self.online.member(g),
            target=self.target.member(g),
            adam_m=[v[g].copy() for v in views(self.online.shapes, self.adam.m)] if adam else None,
            adam_v=[v[g].copy() for v in views(self.online.shapes, self.adam.v)] if adam else None,
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
        for t, p in zip(self.target.params, self.online.params):
            t[due] = p[due]

    def compute_gradients(self, batch: tuple[np.ndarray, ...]) -> np.ndarray:
        """Unclipped gradients of J(w) (as online.grad_flat) and the per-member loss, for one
        minibatch per member: batch = ([s; s'] (G, 2N, d), a, r, 1 - done (G, N, 1))."""
        both, action, reward, not_done = batch
        n, delta = action.shape[1], np.float32(self.s.huber_delta)
        # One forward pass of the online network over [s_i; s_{i+1}]: the first half is
        # backpropagated, the second half picks argmax_a' Q_w(s_{i+1}, a') for Double DQN.
        q_all, hs = self.online.forward(both)
        q, best_next = q_all[:, :n], q_all[:, n:].argmax(axis=2)[..., None]
        q_next, _ = self.target.forward(both[:, n:])
        # y_i = r_i + gamma Q_{w-}(s_{i+1}, argmax_a' Q_w(s_{i+1}, a')), and y_i = r_i at terminal states
        y = np.take_along_axis(q_next, best_next, axis=2)
        y *= not_done
        y *= np.float32(self.s.gamma)
        y += reward
        td = np.take_along_axis(q, action, axis=2)
        td -= y
        clipped = np.minimum(np.maximum(td, -delta), delta)  # dJ/dQ(s_i, a_i) = -clip(y_i - Q, -delta, delta) / N
        td -= clipped * np.float32(0.5)
        td *= clipped  # the Huber loss of each sample: c (d - c / 2), c = clip(d, -delta, delta)
        ones, dq = self._buffers(n)
        loss = np.matmul(ones, td)[:, 0, 0] / np.float32(n)
        dq.fill(0.0)
        clipped *= np.float32(1.0 / n)
        np.put_along_axis(dq, action, clipped, axis=2)
        return self.online.backward(hs, dq, ones), loss

    def _buffers(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        if n not in self._work:
            g = len(self.runs)
            self._work[n] = (np.ones((g, 1, n), dtype=np.float32), np.zeros((g, n, self.online.widths[-1]), dtype=np.float32))
        return self._work[n]

    def update(self, batch: tuple[np.ndarray, ...], due: np.ndarray | None = None) -> None:
        """One gradient step of every member, or of the members marked `due` (the others, whose
        episodes run on another schedule, keep their weights and optimiser state bit for bit)."""
        keep = None if due is None or due.all() else ~due
        saved = self._save(keep) if keep is not None else None
        grads, loss = self.compute_gradients(batch)
        CLIPPERS[self.s.grad_clip_mode](grads, self.online.shapes, np.float32(self.s.grad_clip))
        stepped = np.ones(len(self.runs), dtype=bool) if keep is None else due
        self.opt_steps += stepped
        if self.adam is None:
            sgd_step(self.online.flat, grads, self.s.learning_rate)  # w <- w - alpha clip(grad)
        else:
            self.adam.step(self.online.flat, grads, np.maximum(self.opt_steps, 1))
        if saved is not None:
            self._restore(keep, saved)
            loss = np.where(due, loss, 0.0)
        self.loss_sum += loss
        self.n_updates += stepped

    def _state_arrays(self) -> list[np.ndarray]:
        adam = views(self.online.shapes, self.adam.m) + views(self.online.shapes, self.adam.v) if self.adam is not None else []
        return list(self.online.params) + adam

    def _save(self, keep: np.ndarray) -> list[np.ndarray]:
        return [a[keep].copy() for a in self._state_arrays()]

    def _restore(self, keep: np.ndarray, saved: list[np.ndarray]) -> None:
        for a, s in zip(self._state_arrays(), saved):
            a[keep] = s

    def take_mean_loss(self, members: np.ndarray | None = None) -> np.ndarray:
        """Mean loss of each member (or of `members`, indices into the group) since its last
        call (NaN where no update happened), and reset those members' sums."""
        idx = np.arange(len(self.runs)) if members is None else np.asarray(members)
        n = self.n_updates[idx]
        out = np.where(n > 0, self.loss_sum[idx] / np.maximum(n, 1), np.nan)
        self.loss_sum[idx] = 0.0
        self.n_updates[idx] = 0
        return out
