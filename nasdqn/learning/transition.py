"""Model transitions: what the new network starts from when the controller switches
architecture (section 2.3.3 names a "model transition" without defining it).

- reinit: fresh weights (section 2.2.2), the reading "re-initializing network models" of 3.3;
- inherit: fresh weights, then the overlapping block of every weight matrix and bias of the
  old network (hidden layer l from hidden layer l, output from output), a Net2Net-style warm start;
- distill: fresh weights, then `distill_steps` Adam steps that fit the new network's Q-values
  to the old network's on states from the replay memory (policy distillation, Rusu et al., 2016),
  so that the new network acts like the old one before it takes over.
The reasons for each, and the defaults, are in docs/assumptions.md.
"""
from __future__ import annotations

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


def distill(old: list[np.ndarray], old_arch: Architecture, new: list[np.ndarray], new_arch: Architecture,
            states: np.ndarray, steps: int, batch_size: int, learning_rate: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Fit the new network's Q-values to the old network's on minibatches of `states` (mean
    squared error over every action and state of the minibatch), with Adam; returns the new
    parameters. Minibatch indices come from `rng` (the run's init stream)."""
    if steps <= 0 or len(states) == 0:
        return [p.copy() for p in new]
    obs = states.astype(np.float32)
    targets = forward_np(old, old_arch.activation, obs)
    net = StackedMLP(new_arch, [new])
    adam = Adam(net.flat.size, np.zeros(net.flat.size, dtype=np.int64), (0.9, 0.999), 1e-8, learning_rate)
    ones = np.ones((1, 1, batch_size), dtype=np.float32)
    scale = np.float32(2.0 / (batch_size * targets.shape[1]))
    for step in range(1, steps + 1):
        idx = rng.integers(0, len(states), batch_size)
        q, hs = net.forward(obs[idx][None])
        dq = q - targets[idx][None]  # d/dQ mean((Q - Q_old)^2) = 2 (Q - Q_old) / (B |A|)
        dq *= scale
        grads = net.backward(hs, dq, ones)
        adam.step(net.flat, grads, np.array([step]))
    return net.member(0)
