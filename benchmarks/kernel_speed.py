"""What fixing OpenBLAS's kernel costs: matrix products of the Q-networks' shapes under each
OpenBLAS core type, each in a fresh process (the core type is read when numpy loads), rounds
alternating so that a busy machine slows every kernel alike.

    python benchmarks/kernel_speed.py [--rounds 3] [--cores Haswell SkylakeX Zen] [--reps 2000]

Prints, per core type and shape, the best time per product over the rounds (microseconds) and
GFLOP/s. `import nasdqn` fixes Haswell (nasdqn/settings/kernels.py); the others are what
OpenBLAS would pick on other CPUs (SkylakeX: AVX-512 Intel and Zen 4; Zen: Zen 1-3).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

# (rows, inner, cols): a minibatch of 128 through the search space's layers, and one big square product
SHAPES = [(128, 8, 32), (128, 32, 32), (128, 64, 64), (128, 128, 128), (256, 128, 128), (512, 512, 512)]

CHILD = """
import json, sys, time
import numpy as np
shapes, reps = json.loads(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
out = {}
for m, k, n in shapes:
    a = rng.random((m, k), dtype=np.float32); b = rng.random((k, n), dtype=np.float32)
    r = max(3, reps * 128 * 32 * 32 // (m * k * n))
    for _ in range(3): a @ b
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(r): a @ b
        best = min(best, (time.perf_counter() - t) / r)
    out[f"{m}x{k}x{n}"] = best
print(json.dumps(out))
"""


def measure(core: str, reps: int) -> dict[str, float]:
    env = {**os.environ, "OPENBLAS_CORETYPE": core, "OPENBLAS_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(SHAPES), str(reps)], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--cores", nargs="+", default=["Haswell", "SkylakeX", "Zen"])
    p.add_argument("--reps", type=int, default=2000)
    args = p.parse_args()
    best: dict[str, dict[str, float]] = {c: {} for c in args.cores}
    for _ in range(args.rounds):
        for core in args.cores:
            for shape, t in measure(core, args.reps).items():
                best[core][shape] = min(t, best[core].get(shape, float("inf")))
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), "unknown CPU")
    print(f"{cpu}; best of {args.rounds} alternating rounds, one thread; us per product (GFLOP/s)")
    print("shape".ljust(14) + "".join(c.rjust(20) for c in args.cores))
    for m, k, n in SHAPES:
        key = f"{m}x{k}x{n}"
        cells = [f"{best[c][key] * 1e6:9.2f} ({2 * m * k * n / best[c][key] / 1e9:6.1f})" for c in args.cores]
        print(key.ljust(14) + "".join(x.rjust(20) for x in cells))


if __name__ == "__main__":
    main()
