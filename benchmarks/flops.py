"""Arithmetic of one Double DQN update, and this core's matmul rate: the floor every
benchmark compares its measured time with."""
from __future__ import annotations

# isort: off
import nasdqn  # noqa: F401  (first: fixes OpenBLAS's kernel before numpy loads, as in every CLI process)
# isort: on

import time

import numpy as np

from nasdqn.settings.space import Architecture


def update_flops(arch: Architecture, batch: int) -> int:
    """FLOPs of one update: online forward on 2B rows, target forward on B, backward on B."""
    s = arch.sizes()
    macs = sum(a * b for a, b in zip(s[:-1], s[1:]))
    first = s[0] * s[1]
    forward = 2 * macs  # per row
    return forward * 2 * batch + forward * batch + 2 * macs * batch + 2 * (macs - first) * batch


def matmul_gflops(n: int = 1024, reps: int = 20, library: str = "numpy") -> float:
    """Single-thread float32 matmul rate of this core (the practical arithmetic ceiling), with the
    BLAS the learner uses (numpy's OpenBLAS, its kernel fixed by nasdqn/__init__.py), or torch's."""
    if library == "torch":
        import torch

        a, b = torch.randn(n, n), torch.randn(n, n)
    else:
        rng = np.random.default_rng(0)
        a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
    for _ in range(3):
        a @ b
    t0 = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * n**3 * reps / (time.perf_counter() - t0) / 1e9
