"""The Q-network of section 2.2: an MLP given by an architecture c = (L, U, sigma).

Weights of G independent networks that share one architecture are stacked along a
leading "group" axis, so that one batched matmul trains several seeds at once; a
single run is simply G = 1. Forward and backward propagation are written out as in
section 2.2.1 and 2.2.3 (h = sigma(h W + b); eps_l = (eps_{l+1} W_{l+1}^T) * sigma'(z_l))
instead of going through autograd, which on these small networks costs more in
bookkeeping than in arithmetic.
"""
from __future__ import annotations

import numpy as np
import torch

from nasdqn.settings.space import ACTIVATIONS, LAYER_CHOICES, SEARCH_SPACE, UNIT_CHOICES, Architecture

__all__ = ["ACTIVATIONS", "LAYER_CHOICES", "SEARCH_SPACE", "UNIT_CHOICES", "Architecture", "StackedMLP", "init_params"]

LEAKY_SLOPE = 0.01


def init_std(activation: str, fan_in: int, fan_out: int) -> float:
    """Section 2.2.2: var 2/fan_in (He) for ReLU-based, 2/(fan_in+fan_out) (Glorot) for tanh."""
    if activation == "tanh":
        return float(np.sqrt(2.0 / (fan_in + fan_out)))
    return float(np.sqrt(2.0 / fan_in))


def init_params(arch: Architecture, rng: np.random.Generator, obs_dim: int = 3, n_actions: int = 3) -> list[np.ndarray]:
    """Fresh parameters [W_1..W_{L+1}, b_1..b_{L+1}]; W_l has shape (n_{l-1}, n_l), biases zero.

    The linear output layer uses the same rule as the hidden layers (the paper gives one
    rule for every weight matrix).
    """
    sizes = arch.sizes(obs_dim, n_actions)
    weights = [
        rng.normal(0.0, init_std(arch.activation, a, b), size=(a, b)).astype(np.float32)
        for a, b in zip(sizes[:-1], sizes[1:])
    ]
    biases = [np.zeros((1, b), dtype=np.float32) for b in sizes[1:]]
    return weights + biases


def activate_np(z: np.ndarray, activation: str) -> np.ndarray:
    if activation == "relu":
        return np.maximum(z, 0.0)
    if activation == "tanh":
        return np.tanh(z)
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def activate_(z: torch.Tensor, activation: str) -> torch.Tensor:
    """In place on a fresh pre-activation tensor (saves an allocation per layer)."""
    if activation == "relu":
        return z.relu_()
    if activation == "tanh":
        return z.tanh_()
    return torch.nn.functional.leaky_relu_(z, LEAKY_SLOPE)


def forward_np(params: list[np.ndarray], activation: str, obs: np.ndarray) -> np.ndarray:
    """Section 2.2.1 for one network in numpy: obs (N, n_0) -> Q (N, |A|). Greedy evaluation,
    saved policies and distillation all read a network through this one function."""
    n_layers = len(params) // 2
    h = obs
    for l in range(n_layers):
        h = h @ params[l] + params[n_layers + l]
        if l < n_layers - 1:
            h = activate_np(h, activation)
    return h


def activation_backward(grad: torch.Tensor, h: torch.Tensor, activation: str) -> torch.Tensor:
    """grad * sigma'(z), with sigma' written in terms of the output h = sigma(z) (z is not kept):
    relu: 1[h > 0]; tanh: 1 - h^2; leaky relu: 1 where h > 0, else the slope. One fused op each."""
    if activation == "relu":
        return torch.ops.aten.threshold_backward(grad, h, 0.0)
    if activation == "tanh":
        return torch.ops.aten.tanh_backward(grad, h)
    return torch.ops.aten.leaky_relu_backward(grad, h, LEAKY_SLOPE, True)


def flat_views(shapes: list[tuple[int, ...]]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """One contiguous float32 buffer and a view of it per shape: elementwise work on all
    parameters (clipping, the optimiser step, target sync) is then one op, not one per tensor."""
    sizes = [int(np.prod(s)) for s in shapes]
    flat = torch.zeros(sum(sizes))
    views, offset = [], 0
    for shape, n in zip(shapes, sizes):
        views.append(flat[offset : offset + n].view(shape))
        offset += n
    return flat, views


class StackedMLP:
    """G networks of one architecture; parameters are float32 tensors with leading axis G.

    `weights[l]` has shape (G, n_{l-1}, n_l) and `biases[l]` (G, 1, n_l); all are views of
    one flat buffer (`flat`), and the gradients of the last backward pass are views of
    `grad_flat`. The numpy views share memory with the tensors, so acting in numpy always
    sees the latest weights.
    """

    def __init__(self, arch: Architecture, params_per_member: list[list[np.ndarray]]) -> None:
        self.arch = arch
        self.n_layers = len(params_per_member[0]) // 2
        g = len(params_per_member)
        self.shapes = [(g, *p.shape) for p in params_per_member[0]]
        self.flat, self.params = flat_views(self.shapes)
        for i, p in enumerate(self.params):
            p.copy_(torch.from_numpy(np.stack([m[i] for m in params_per_member])))
        self.grad_flat, self.grads = flat_views(self.shapes)
        # W^(l)T as views (they follow the in-place updates), for backpropagating eps
        self._weights_t = [w.transpose(1, 2) for w in self.params[: self.n_layers]]
        self._np = [p.numpy() for p in self.params]

    def member(self, g: int) -> list[np.ndarray]:
        """A copy of member g's parameters, in init_params layout."""
        return [p[g].copy() for p in self._np]

    def copy_from(self, other: "StackedMLP") -> None:
        self.flat.copy_(other.flat)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """x: (G, B, n_0) -> Q (G, B, |A|) and the layer outputs h^(0..L) for backprop."""
        hs = [x]
        h = x
        act = self.arch.activation
        for l in range(self.n_layers):
            h = torch.baddbmm(self.params[self.n_layers + l], h, self.params[l])
            if l < self.n_layers - 1:
                h = activate_(h, act)
            hs.append(h)
        return h, hs[:-1]

    def backward(self, hs: list[torch.Tensor], dq: torch.Tensor) -> list[torch.Tensor]:
        """Section 2.2.3: gradients [dW_1..dW_{L+1}, db_1..db_{L+1}] from dJ/dQ (G, B, |A|),
        returned as the views `grads` (overwritten by the next call).

        hs may hold more rows than dq (the forward pass can be shared with the rows used
        for the Double DQN target); only the first B rows are backpropagated.
        """
        n_rows = dq.shape[1]
        grads = self.grads  # written in place: views of grad_flat
        eps = dq
        for l in range(self.n_layers - 1, -1, -1):
            h_prev = hs[l][:, :n_rows]
            torch.bmm(h_prev.transpose(1, 2), eps, out=grads[l])  # h^(l-1) eps^(l)T, summed over batch
            torch.sum(eps, dim=1, keepdim=True, out=grads[self.n_layers + l])
            if l > 0:
                eps = activation_backward(torch.bmm(eps, self._weights_t[l]), h_prev, self.arch.activation)
        return grads

    def q_values_np(self, obs: np.ndarray) -> np.ndarray:
        """Acting path: obs (G, n_0) -> Q (G, |A|), in numpy (cheaper than torch for one row)."""
        h = obs[:, None, :]
        act = self.arch.activation
        for l in range(self.n_layers):
            h = h @ self._np[l] + self._np[self.n_layers + l]
            if l < self.n_layers - 1:
                h = activate_np(h, act)
        return h[:, 0, :]
