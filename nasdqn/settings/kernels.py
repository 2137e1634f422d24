"""One matrix-product kernel on every x86-64 CPU, so that a run's numbers are the same bits.

The learning core multiplies matrices with numpy, whose OpenBLAS picks its kernels by CPU when it
loads (SkylakeX on an AVX-512 machine, Haswell on an AVX2 one, ...), and different kernels sum in
different orders. Before numpy is imported, `fix_blas_kernel` (called by nasdqn/__init__.py)
asks OpenBLAS for its Haswell kernels wherever the CPU has AVX2 and FMA (every x86-64 CPU since
2013-2015, Intel and AMD), and for one thread (one thread per job; OpenBLAS does not split our
small products anyway). A variable the user set wins. Where numpy was imported first, or the CPU
lacks AVX2, OpenBLAS keeps its own choice: run.json's provenance records the kernel, and the
training job says so in its log. Measured and argued in docs/performance.md ("Numbers that do
not depend on the CPU"). Plain Python: it runs before numpy exists in the process.
"""
from __future__ import annotations

import os
import sys

KERNEL = "Haswell"  # OpenBLAS core type: AVX2 + FMA kernels
NEEDS = ("avx2", "fma")


def cpu_flags(path: str = "/proc/cpuinfo") -> set[str]:
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def fix_blas_kernel() -> str | None:
    """Set OPENBLAS_CORETYPE (and OPENBLAS_NUM_THREADS) for the numpy about to be loaded; returns
    the core type asked for, or None where it cannot be (numpy already loaded, no AVX2)."""
    if "numpy" in sys.modules:
        return None
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if "OPENBLAS_CORETYPE" in os.environ:
        return os.environ["OPENBLAS_CORETYPE"]
    if not set(NEEDS) <= cpu_flags():
        return None
    os.environ["OPENBLAS_CORETYPE"] = KERNEL
    return KERNEL
