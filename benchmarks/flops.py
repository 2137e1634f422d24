"""Arithmetic of one Double DQN update, and this core's matmul rate: the floor every
benchmark compares its measured time with."""
from __future__ import annotations

import time

import torch

from nasdqn.settings.space import Architecture


def update_flops(arch: Architecture, batch: int) -> int:
    """FLOPs of one update: online forward on 2B rows, target forward on B, backward on B."""
    s = arch.sizes()
    macs = sum(a * b for a, b in zip(s[:-1], s[1:]))
    first = s[0] * s[1]
    forward = 2 * macs  # per row
    return forward * 2 * batch + forward * batch + 2 * macs * batch + 2 * (macs - first) * batch


def matmul_gflops(n: int = 1024, reps: int = 20) -> float:
    """Single-thread float32 matmul rate of this core (the practical arithmetic ceiling)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(3):
        a @ b
    t0 = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * n**3 * reps / (time.perf_counter() - t0) / 1e9
