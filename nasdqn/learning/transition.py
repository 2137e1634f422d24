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
import torch

from nasdqn.learning.network import LEAKY_SLOPE, forward_np
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


def _forward(params: list[torch.Tensor], activation: str, x: torch.Tensor) -> torch.Tensor:
    n_layers = len(params) // 2
    for l in range(n_layers):
        x = x @ params[l] + params[n_layers + l]
        if l < n_layers - 1:
            x = {"relu": torch.relu, "tanh": torch.tanh}.get(activation, lambda z: torch.nn.functional.leaky_relu(z, LEAKY_SLOPE))(x)
    return x


def distill(old: list[np.ndarray], old_arch: Architecture, new: list[np.ndarray], new_arch: Architecture,
            states: np.ndarray, steps: int, batch_size: int, learning_rate: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Fit the new network's Q-values to the old network's on minibatches of `states`
    (mean squared error over every action), with Adam; returns the new parameters."""
    if steps <= 0 or len(states) == 0:
        return [p.copy() for p in new]
    targets_all = forward_np(old, old_arch.activation, states.astype(np.float32))
    params = [torch.tensor(p, requires_grad=True) for p in new]
    optimiser = torch.optim.Adam(params, lr=learning_rate)
    obs_all, targets = torch.from_numpy(states.astype(np.float32)), torch.from_numpy(targets_all.astype(np.float32))
    for _ in range(steps):
        idx = torch.from_numpy(rng.integers(0, len(states), batch_size))
        loss = ((_forward(params, new_arch.activation, obs_all[idx]) - targets[idx]) ** 2).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return [p.detach().numpy().copy() for p in params]
