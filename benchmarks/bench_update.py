"""One stacked Double DQN update against the matrix products it contains, side by side.

    python benchmarks/bench_update.py [--reps 300]

For each fixed architecture of the paper and G = 1 and 10 stacked members: the time of one
update (forward on [s; s'], target forward, loss, backward, clipping, optimiser step) and the
time of its matrix products alone (the same np.matmul calls on the same shapes: the arithmetic
floor of the update), and their ratio (target: at most 1.5x).
"""
from __future__ import annotations

# isort: off
import nasdqn  # noqa: F401  (first: fixes OpenBLAS's kernel before numpy loads, as in every CLI process)
# isort: on

import argparse
import time

import numpy as np

from nasdqn.learning.dqn import DQNGroup, DQNSettings, fresh_member
from nasdqn.settings.space import Architecture

ARCHS = [Architecture(2, 32, "relu"), Architecture(3, 64, "relu"), Architecture(4, 128, "relu"), Architecture(3, 64, "tanh")]


def timed(fn, reps: int) -> float:
    for _ in range(max(10, reps // 10)):
        fn()
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t0) / reps


def update_seconds(arch: Architecture, g: int, optimizer: str, batch: int, reps: int) -> float:
    rng = np.random.default_rng(0)
    group = DQNGroup(arch, list(range(g)), [fresh_member(arch, rng) for _ in range(g)], DQNSettings.from_config(optimizer=optimizer, batch_size=batch))
    data = (rng.normal(size=(g, 2 * batch, 3)).astype(np.float32), rng.integers(0, 3, (g, batch, 1)),
            rng.normal(size=(g, batch, 1)).astype(np.float32), np.ones((g, batch, 1), dtype=np.float32))
    return timed(lambda: group.update(data), reps)


def matmul_seconds(arch: Architecture, g: int, batch: int, reps: int) -> float:
    """The update's matrix products alone: online forward on 2B rows, target forward on B, and per
    layer of the backward pass the weight gradient, the bias gradient (ones @ eps) and, below the
    top layer, eps W^T."""
    rng = np.random.default_rng(1)
    sizes = arch.sizes()
    w = [rng.normal(size=(g, a, b)).astype(np.float32) for a, b in zip(sizes[:-1], sizes[1:])]
    h2 = [rng.normal(size=(g, 2 * batch, a)).astype(np.float32) for a in sizes[:-1]]
    h1 = [x[:, :batch] for x in h2]
    eps = [rng.normal(size=(g, batch, b)).astype(np.float32) for b in sizes[1:]]
    ones = np.ones((g, 1, batch), dtype=np.float32)
    out2 = [np.empty((g, 2 * batch, b), np.float32) for b in sizes[1:]]
    out1 = [np.empty((g, batch, b), np.float32) for b in sizes[1:]]
    grads = [np.empty_like(x) for x in w]
    gb = [np.empty((g, 1, b), np.float32) for b in sizes[1:]]
    back = [np.empty((g, batch, a), np.float32) for a in sizes[:-1]]

    def products() -> None:
        for l, x in enumerate(w):
            np.matmul(h2[l], x, out=out2[l])
            np.matmul(h1[l], x, out=out1[l])
        for l in range(len(w) - 1, -1, -1):
            np.matmul(h1[l].transpose(0, 2, 1), eps[l], out=grads[l])
            np.matmul(ones, eps[l], out=gb[l])
            if l > 0:
                np.matmul(eps[l], w[l].transpose(0, 2, 1), out=back[l])

    return timed(products, reps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=64)
    args = ap.parse_args()
    print(f"batch {args.batch}; times in microseconds; one thread")
    for arch in ARCHS:
        for g in (1, 10):
            mm = matmul_seconds(arch, g, args.batch, args.reps)
            for opt in ("sgd", "adam"):
                u = update_seconds(arch, g, opt, args.batch, args.reps)
                print(f"{arch.name:14s} G={g:2d} {opt:4s}: update {1e6 * u:8.1f}   its matmuls {1e6 * mm:8.1f}   ratio {u / mm:5.2f}x")


if __name__ == "__main__":
    main()
