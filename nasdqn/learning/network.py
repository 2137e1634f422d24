"""The Q-network of section 2.2: an MLP given by an architecture c = (L, U, sigma), in numpy.

Weights of G independent networks that share one architecture are stacked along a leading
"group" axis, so that one batched matmul serves several runs at once; a single run is simply
G = 1. Forward and backward propagation are written out as in sections 2.2.1 and 2.2.3
(h = sigma(h W + b); eps_l = (eps_{l+1} W_{l+1}^T) * sigma'(z_l); grad W_l = h_{l-1}^T eps_l).

Why numpy, not torch: on these small networks a training step is bound by the cost of each
operation, and a numpy call costs a third of a torch call; and every matrix product goes
through one BLAS kernel (OpenBLAS with its core type fixed by nasdqn/__init__.py), so a run's
numbers are the same bits on every x86-64 CPU with AVX2 (docs/performance.md). Sums over the
batch are matrix products with a vector of ones, so that they too go through that kernel.
"""
from __future__ import annotations

import numpy as np

from nasdqn.settings.space import ACTIVATIONS, LAYER_CHOICES, SEARCH_SPACE, UNIT_CHOICES, Architecture

__all__ = ["ACTIVATIONS", "LAYER_CHOICES", "SEARCH_SPACE", "UNIT_CHOICES", "Architecture", "StackedMLP", "init_params"]

LEAKY_SLOPE = np.float32(0.01)


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


def activate_(z: np.ndarray, activation: str) -> np.ndarray:
    """sigma(z), in place on a fresh pre-activation array."""
    if activation == "relu":
        return np.maximum(z, 0.0, out=z)
    if activation == "tanh":
        return np.tanh(z, out=z)
    return np.maximum(z, z * LEAKY_SLOPE, out=z)  # leaky relu, slope below 1


def derivative_(eps: np.ndarray, h: np.ndarray, activation: str, work: np.ndarray) -> np.ndarray:
    """eps * sigma'(z), in place, with sigma' written in terms of the output h = sigma(z):
    relu: 1[h > 0]; tanh: 1 - h^2; leaky relu: 1 where h > 0, else the slope. `work` is scratch
    of h's shape."""
    if activation == "tanh":
        np.multiply(h, h, out=work)
        np.subtract(np.float32(1.0), work, out=work)
    else:
        np.greater(h, 0.0, out=work, casting="unsafe")
        if activation == "leaky_relu":
            work *= np.float32(1.0) - LEAKY_SLOPE
            work += LEAKY_SLOPE
    return np.multiply(eps, work, out=eps)


def forward_np(params: list[np.ndarray], activation: str, obs: np.ndarray) -> np.ndarray:
    """Section 2.2.1 for one network: obs (N, n_0) -> Q (N, |A|). Greedy evaluation, saved
    policies and distillation read a network through this function."""
    n_layers = len(params) // 2
    h = np.asarray(obs, dtype=np.float32)
    for l in range(n_layers):
        h = np.matmul(h, params[l])
        h += params[n_layers + l]
        if l < n_layers - 1:
            activate_(h, activation)
    return h


def flat_views(shapes: list[tuple[int, ...]]) -> tuple[np.ndarray, list[np.ndarray]]:
    """One contiguous float32 buffer and a view of it per shape: elementwise work on all
    parameters (clipping, the optimiser step, target sync) is then one op, not one per array."""
    sizes = [int(np.prod(s)) for s in shapes]
    flat = np.zeros(sum(sizes), dtype=np.float32)
    views, offset = [], 0
    for shape, n in zip(shapes, sizes):
        views.append(flat[offset : offset + n].reshape(shape))
        offset += n
    return flat, views


class StackedMLP:
    """G networks of one architecture; float32 parameters with leading axis G.

    `params[l]` (l < L + 1) is W_l of shape (G, n_{l-1}, n_l), `params[L + 1 + l]` is b_l of
    shape (G, 1, n_l); all are views of one flat buffer (`flat`), and the gradients of the last
    backward pass are views of `grad_flat`. The layer outputs of a forward pass live in buffers
    kept per number of rows, so that a training step allocates (almost) nothing.
    """

    def __init__(self, arch: Architecture, params_per_member: list[list[np.ndarray]]) -> None:
        self.arch = arch
        self.n_layers = len(params_per_member[0]) // 2
        self.g = len(params_per_member)
        self.shapes = [(self.g, *p.shape) for p in params_per_member[0]]
        self.flat, self.params = flat_views(self.shapes)
        for i, p in enumerate(self.params):
            p[...] = np.stack([m[i] for m in params_per_member])
        self.grad_flat, self.grads = flat_views(self.shapes)
        self.widths = [s[2] for s in self.shapes[: self.n_layers]]  # n_1 .. n_{L+1}
        self._buffers: dict[int, list[np.ndarray]] = {}

    def member(self, g: int) -> list[np.ndarray]:
        """A copy of member g's parameters, in init_params layout."""
        return [p[g].copy() for p in self.params]

    def copy_from(self, other: "StackedMLP") -> None:
        np.copyto(self.flat, other.flat)

    def _outputs(self, rows: int) -> list[np.ndarray]:
        if rows not in self._buffers:
            self._buffers[rows] = [np.empty((self.g, rows, n), dtype=np.float32) for n in self.widths]
        return self._buffers[rows]

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """x: (G, B, n_0) -> Q (G, B, |A|) and the layer inputs h^(0..L) for backprop. The
        returned arrays are buffers, overwritten by the next forward pass with as many rows."""
        outs, hs, h = self._outputs(x.shape[1]), [x], x
        for l in range(self.n_layers):
            z = np.matmul(h, self.params[l], out=outs[l])
            z += self.params[self.n_layers + l]
            if l < self.n_layers - 1:
                activate_(z, self.arch.activation)
            hs.append(z)
            h = z
        return h, hs[:-1]

    def backward(self, hs: list[np.ndarray], dq: np.ndarray, ones: np.ndarray) -> np.ndarray:
        """Section 2.2.3: the gradients [dW_1..dW_{L+1}, db_1..db_{L+1}] of J from dJ/dQ (G, B, |A|),
        as `grad_flat` (overwritten by the next call). `ones`: (G, 1, B) of ones (bias gradients
        are ones @ eps). hs may hold more rows than dq (the forward pass can be shared with the
        rows used for the Double DQN target); only the first B rows are backpropagated."""
        n_rows, L = dq.shape[1], self.n_layers
        eps = dq
        for l in range(L - 1, -1, -1):
            h_prev = hs[l][:, :n_rows]
            np.matmul(h_prev.transpose(0, 2, 1), eps, out=self.grads[l])  # h^(l-1) eps^(l)T, summed over the batch
            np.matmul(ones, eps, out=self.grads[L + l])
            if l > 0:
                back = self._scratch(n_rows, l - 1)
                np.matmul(eps, self.params[l].transpose(0, 2, 1), out=back[0])
                eps = derivative_(back[0], h_prev, self.arch.activation, back[1])
        return self.grad_flat

    def _scratch(self, rows: int, layer: int) -> tuple[np.ndarray, np.ndarray]:
        key = -rows - 1  # kept apart from the forward buffers
        if key not in self._buffers:
            self._buffers[key] = [np.empty((2, self.g, rows, n), dtype=np.float32) for n in self.widths[:-1]]
        pair = self._buffers[key][layer]
        return pair[0], pair[1]

    def q_values_np(self, obs: np.ndarray) -> np.ndarray:
        """Acting path: obs (G, n_0) -> Q (G, |A|)."""
        q, _ = self.forward(np.asarray(obs, dtype=np.float32)[:, None, :])
        return q[:, 0, :]
