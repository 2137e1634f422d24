"""Warm starts: what the new network starts from when the controller switches architecture (the
paper's "model transition", section 2.3.3, which it does not define; config key nas.transition).

- reinit: fresh weights (section 2.2.2), the reading "re-initializing network models" of 3.3;
- inherit: fresh weights, then the overlapping block of every weight matrix and bias of the
  old network (hidden layer l from hidden layer l, output from output), a Net2Net-style warm start;
- distill: fresh weights, then `distill_steps` Adam steps that fit the new network's Q-values
  to the old network's on states from the replay memory (policy distillation, Rusu et al., 2016),
  so that the new network acts like the old one before it takes over;
- grow: the old network's function kept (Net2Net widening, identity layers for ReLU depth) where
  the new architecture can hold it, else distillation until a stated fidelity (greedy-action
  agreement and Q error on replay states) or a step cap; the fidelity reached is logged.
The reasons for each, and the defaults, are in docs/assumptions.md.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nasdqn.learning.network import StackedMLP, forward_np
from nasdqn.learning.optim import Adam
from nasdqn.settings.space import Architecture


def inherit_params(old: list[np.ndarray], new: list[np.ndarray]) -> list[np.ndarray]:
    """Copy into `new` the overlapping block of each matching layer of `old`."""
    n_old, n_new = len(old) // 2, len(new) // 2
    out = [p.copy() for p in new]
    pairs = [(l, l) for l in range(min(n_old, n_new) - 1)] + [(n_old - 1, n_new - 1)]
    for lo, ln in pairs:
        for src, dst in ((old[lo], out[ln]), (old[n_old + lo], out[n_new + ln])):
            r, c = min(src.shape[0], dst.shape[0]), min(src.shape[1], dst.shape[1])
            dst[:r, :c] = src[:r, :c]
    return out


class Distiller:
    """Fits a new network's Q-values to an old network's on minibatches of replay `states` (mean
    squared error over every action and state of the minibatch) with Adam; `run(k)` takes k more
    steps, keeping Adam's state between calls. Minibatch indices come from `rng` (the run's init
    stream)."""

    def __init__(self, old: list[np.ndarray], old_arch: Architecture, new: list[np.ndarray], new_arch: Architecture,
                 states: np.ndarray, batch_size: int, learning_rate: float, rng: np.random.Generator) -> None:
        self.obs = states.astype(np.float32)
        self.targets = forward_np(old, old_arch.activation, self.obs)
        self.net = StackedMLP(new_arch, [new])
        size = self.net.flat.size
        self.adam = Adam(size, np.zeros(size, dtype=np.int64), (0.9, 0.999), 1e-8, learning_rate)
        self.batch_size, self.rng, self.steps = batch_size, rng, 0
        self.ones = np.ones((1, 1, batch_size), dtype=np.float32)
        self.scale = np.float32(2.0 / (batch_size * self.targets.shape[1]))

    def run(self, steps: int) -> list[np.ndarray]:
        for _ in range(steps):
            self.steps += 1
            idx = self.rng.integers(0, len(self.obs), self.batch_size)
            q, hs = self.net.forward(self.obs[idx][None])
            dq = q - self.targets[idx][None]  # d/dQ mean((Q - Q_old)^2) = 2 (Q - Q_old) / (B |A|)
            dq *= self.scale
            grads = self.net.backward(hs, dq, self.ones)
            self.adam.step(self.net.flat, grads, np.array([self.steps]))
        return self.net.member(0)


def distill(old: list[np.ndarray], old_arch: Architecture, new: list[np.ndarray], new_arch: Architecture,
            states: np.ndarray, steps: int, batch_size: int, learning_rate: float, rng: np.random.Generator) -> list[np.ndarray]:
    """nas.transition = distill: `steps` Adam steps of a Distiller; returns the new parameters."""
    if steps <= 0 or len(states) == 0:
        return [p.copy() for p in new]
    return Distiller(old, old_arch, new, new_arch, states, batch_size, learning_rate, rng).run(steps)


# ----- grow: a warm start that keeps the old network's function --------------------------------
def can_grow(old: Architecture, new: Architecture) -> bool:
    """Whether a network of `old` can be rebuilt as one of `new` that computes the same Q-values:
    the same activation, at least as many units, and at least as many layers (new layers, put in
    as identities, keep the function only for ReLU: relu(I h) = h because h >= 0)."""
    same_depth_or_relu = new.layers == old.layers or (new.layers > old.layers and new.activation == "relu")
    return old.activation == new.activation and new.units >= old.units and same_depth_or_relu


def _split(rng: np.random.Generator, units: int, copies: int) -> np.ndarray:
    """Per new unit j (a copy of old unit j mod units), its share f_j of the old unit's outgoing
    weights; the shares of one old unit's copies sum to 1 and differ, so that the copies, which
    start with equal incoming weights, receive different gradients and grow apart."""
    w = rng.uniform(0.5, 1.5, size=(copies, units))
    return (w / w.sum(axis=0)).reshape(-1).astype(np.float32)


def grow_params(old: list[np.ndarray], old_arch: Architecture, new_arch: Architecture, rng: np.random.Generator) -> list[np.ndarray]:
    """Net2Net (Chen et al., 2016): the old network widened and deepened to `new_arch` with the same
    Q-values (to float32 rounding; can_grow must hold). Widening copies unit j mod U of every hidden
    layer and splits its outgoing weights among its copies (shares from `_split`); deepening appends
    identity layers (weights I, biases 0) before the output layer."""
    L, units, copies = old_arch.layers, old_arch.units, new_arch.units // old_arch.units
    g = np.arange(new_arch.units) % units  # new unit j copies old unit g[j]
    weights, biases = [], []
    for l in range(L + 1):
        w, b = old[l], old[L + 1 + l]
        if l > 0:  # rows: the copies of the previous layer's units, each with its share
            w = w[g, :] * _split(rng, units, copies)[:, None]
        if l < L:  # columns: this layer's units, copied
            w, b = w[:, g], b[:, g]
        weights.append(np.ascontiguousarray(w, dtype=np.float32))
        biases.append(np.ascontiguousarray(b, dtype=np.float32))
    identity = np.eye(new_arch.units, dtype=np.float32)
    for _ in range(new_arch.layers - L):
        weights.insert(-1, identity.copy())
        biases.insert(-1, np.zeros((1, new_arch.units), dtype=np.float32))
    return weights + biases


@dataclass(frozen=True)
class Fidelity:
    """How closely a new network reproduces the old one on replay states: the share of states where
    their greedy actions agree, and the RMS Q error as a share of the old network's RMS Q."""

    agreement: float
    q_error: float

    def meets(self, agreement: float, q_error: float) -> bool:
        return self.agreement >= agreement and self.q_error <= q_error


def fidelity(old: list[np.ndarray], old_arch: Architecture, new: list[np.ndarray], new_arch: Architecture, states: np.ndarray) -> Fidelity:
    if not len(states):
        return Fidelity(float("nan"), float("nan"))
    q_old = forward_np(old, old_arch.activation, states).astype(np.float64)
    q_new = forward_np(new, new_arch.activation, states).astype(np.float64)
    agree = float(np.mean(q_old.argmax(axis=1) == q_new.argmax(axis=1)))
    scale = float(np.sqrt(np.mean(q_old**2)))
    return Fidelity(agree, float(np.sqrt(np.mean((q_new - q_old) ** 2)) / max(scale, 1e-12)))


PROBE_STATES = 1024  # replay states on which fidelity is measured
CHECK_EVERY = 100  # distillation steps between fidelity checks


def probe_states(states: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The replay states fidelity is measured on: PROBE_STATES drawn with replacement (all, if none)."""
    return states[rng.integers(0, len(states), min(PROBE_STATES, len(states)))].astype(np.float32) if len(states) else states


@dataclass(frozen=True)
class WarmStart:
    """What a grow switch started from, and how faithfully: `how` is "grow" (the same function),
    "distill" (distilled to the fidelity targets or the step cap) or "resume"; steps of distillation."""

    params: list[np.ndarray]
    how: str
    fidelity: Fidelity
    steps: int


def grow(old: list[np.ndarray], old_arch: Architecture, fresh: list[np.ndarray], new_arch: Architecture, states: np.ndarray,
         nas, batch_size: int, rng: np.random.Generator) -> WarmStart:
    """nas.transition = grow: keep the old network's function where the architectures allow it
    (`grow_params`); otherwise start from the overlapping blocks (`inherit_params`) and distil in
    chunks of CHECK_EVERY steps until the fidelity targets are met on PROBE_STATES replay states
    or nas.distill_steps are spent. The achieved fidelity is logged per switch."""
    probe = probe_states(states, rng)
    if can_grow(old_arch, new_arch):
        params = grow_params(old, old_arch, new_arch, rng)
        return WarmStart(params, "grow", fidelity(old, old_arch, params, new_arch, probe), 0)
    params = inherit_params(old, fresh)
    achieved = fidelity(old, old_arch, params, new_arch, probe)
    if not len(states):
        return WarmStart(params, "distill", achieved, 0)
    distiller = Distiller(old, old_arch, params, new_arch, states, batch_size, nas.distill_learning_rate, rng)
    while distiller.steps < nas.distill_steps and not achieved.meets(nas.fidelity_agreement, nas.fidelity_q_error):
        params = distiller.run(min(CHECK_EVERY, nas.distill_steps - distiller.steps))
        achieved = fidelity(old, old_arch, params, new_arch, probe)
    return WarmStart(params, "distill", achieved, distiller.steps)
