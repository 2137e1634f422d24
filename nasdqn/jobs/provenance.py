"""What made a run: the code, the packages and math libraries that compute its numbers, the
CPU they ran on and the kernels they chose there, and the threads.

`provenance()` is written into every run.json (TrainJob.write_outputs). It holds

- code: the git commit of the checkout this package is imported from (null when the package is
  not a checkout of its own, e.g. installed with `pip install .`) and whether that tree was dirty
  (`git status --porcelain` non-empty, untracked files under results/ aside);
- versions: python, nasdqn and every package whose version can move a number;
- math_libraries: torch's BLAS, MKL and oneDNN versions, numpy's BLAS;
- cpu: the model name and the architecture;
- kernels: the kernel paths in use at run time: torch's CPU capability (ATen's dispatch), the
  SIMD targets numpy dispatches to, and the core type each loaded OpenBLAS chose;
- environment: the variables that change those choices, where set;
- threads: torch's intra-op threads and each loaded OpenBLAS's.

Every probe that fails records null and never raises: a run is never lost to its record.
It costs a few milliseconds once torch and numpy are imported (plus one `git rev-parse` and one
`git status`, each bounded by a timeout).
"""
from __future__ import annotations

import ctypes
import os
import platform
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

from nasdqn import __version__

# distribution name -> module name of every package whose version can move a number
PACKAGES = {"torch": "torch", "numpy": "numpy", "scipy": "scipy", "pandas": "pandas", "matplotlib": "matplotlib",
            "gymnasium": "gymnasium"}
# environment variables that change which kernels the math libraries run (or how many threads)
ENV_VARS = ("MKL_CBWR", "OPENBLAS_CORETYPE", "ATEN_CPU_CAPABILITY", "NPY_DISABLE_CPU_FEATURES", "ONEDNN_MAX_CPU_ISA",
            "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
# untracked files under these folders of the checkout do not make the tree dirty
UNTRACKED_OK = ("results/",)
# symbols of OpenBLAS builds (numpy's and scipy's wheels, plain OpenBLAS) that name the core type in use
CORENAME_SYMBOLS = ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename64_", "openblas_get_corename")
THREADS_SYMBOLS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads", "openblas_get_num_threads64_",
                   "openblas_get_num_threads")
GIT_TIMEOUT = 5.0


def _try(probe: Callable[[], Any]) -> Any:
    """The probe's value, or None when it fails in any way."""
    try:
        return probe()
    except Exception:  # noqa: BLE001 - a record of what made a run must never stop the run
        return None


# ----- code --------------------------------------------------------------------------------------
def _git(root: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", "--no-optional-locks", "-C", str(root), *args], capture_output=True, text=True,
                              timeout=GIT_TIMEOUT, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def _ignorable(line: str) -> bool:
    path = line[3:].strip('"')
    return line.startswith("?? ") and any(path.startswith(p) for p in UNTRACKED_OK)


def git_state(root: Path) -> dict:
    """{"commit", "dirty"} of the git checkout whose top level is `root` (both None otherwise:
    a package installed inside some other repository does not take that repository's commit)."""
    top = _git(root, "rev-parse", "--show-toplevel")
    if top is None or _try(lambda: Path(top.strip()).resolve() == Path(root).resolve()) is not True:
        return {"commit": None, "dirty": None}
    commit, status = _git(root, "rev-parse", "HEAD"), _git(root, "status", "--porcelain")
    dirty = None if status is None else any(line and not _ignorable(line) for line in status.splitlines())
    return {"commit": commit.strip() if commit else None, "dirty": dirty}


def package_root() -> Path:
    """The folder that holds the nasdqn package (the repository root of a checkout)."""
    return Path(__file__).resolve().parents[2]


# ----- versions and math libraries ---------------------------------------------------------------
def _version(dist: str, module: str) -> str | None:
    loaded = sys.modules.get(module)
    if loaded is not None and isinstance(getattr(loaded, "__version__", None), str):
        return loaded.__version__
    return _try(lambda: metadata.version(dist))


def versions() -> dict:
    return {"python": platform.python_version(), "nasdqn": __version__,
            **{dist: _version(dist, module) for dist, module in PACKAGES.items()}}


def _torch_config() -> str | None:
    import torch

    return torch.__config__.show()


def _match(pattern: str, text: str | None) -> str | None:
    found = re.search(pattern, text or "")
    return found.group(1).strip() if found else None


def _numpy_blas() -> str | None:
    import numpy

    blas = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]
    return f"{blas['name']} {blas['version']}"


def math_libraries() -> dict:
    config = _try(_torch_config)
    return {
        "torch_blas": _match(r"BLAS_INFO=([^,\s]+)", config),
        "mkl": _match(r"Math Kernel Library Version ([^\n]+?) for", config),
        "onednn": _match(r"MKL-DNN v(\S+)", config),
        "numpy_blas": _try(_numpy_blas),
    }


# ----- the CPU and the kernels chosen on it ---------------------------------------------------
def cpu_model() -> str | None:
    """The CPU's model name, from /proc/cpuinfo (Linux), else lscpu, else platform.processor()."""
    text = _try(lambda: Path("/proc/cpuinfo").read_text(errors="replace"))
    name = _match(r"(?m)^model name\s*:\s*(.+)$", text)
    if name is None:
        lscpu = _try(lambda: subprocess.run(["lscpu"], capture_output=True, text=True, timeout=GIT_TIMEOUT).stdout)
        name = _match(r"(?m)^Model name:\s*(.+)$", lscpu)
    return name or _try(platform.processor) or None


def _torch_capability() -> str:
    import torch

    return torch.backends.cpu.get_cpu_capability()


def _numpy_simd() -> list[str]:
    """numpy's baseline SIMD targets and the dispatch targets it runs on this CPU (less any NPY_DISABLE_CPU_FEATURES turns off)."""
    try:
        from numpy._core import _multiarray_umath as umath
    except ImportError:  # numpy 1.x
        from numpy.core import _multiarray_umath as umath
    features = umath.__cpu_features__
    return list(umath.__cpu_baseline__) + [t for t in umath.__cpu_dispatch__ if features.get(t)]


def _loaded_openblas() -> dict[str, str]:
    """Owner -> path of every OpenBLAS library loaded in this process ("numpy" for numpy.libs/...)."""
    found = {}
    for line in Path("/proc/self/maps").read_text().splitlines():
        path = line.split(maxsplit=5)[-1] if line.count(" ") >= 5 else ""
        name = os.path.basename(path)
        if "openblas" in name.lower() and ".so" in name:
            parent = os.path.basename(os.path.dirname(path))
            found[parent.removesuffix(".libs") if parent.endswith(".libs") else name] = path
    return dict(sorted(found.items()))


def _call(lib: ctypes.CDLL, symbols: tuple[str, ...], restype) -> Any:
    for symbol in symbols:
        fn = getattr(lib, symbol, None)
        if fn is not None:
            fn.restype, fn.argtypes = restype, []
            value = fn()
            return value.decode() if isinstance(value, bytes) else value
    return None


def openblas() -> dict[str, dict]:
    """Per loaded OpenBLAS: the core type it picked at run time (its kernels) and its threads.
    Only libraries already loaded are asked (RTLD_NOLOAD): probing never loads one."""
    out = {}
    for owner, path in (_try(_loaded_openblas) or {}).items():
        lib = _try(lambda p=path: ctypes.CDLL(p, mode=os.RTLD_NOLOAD | os.RTLD_LAZY))
        out[owner] = {"core": _try(lambda lib=lib: _call(lib, CORENAME_SYMBOLS, ctypes.c_char_p)) if lib else None,
                      "threads": _try(lambda lib=lib: _call(lib, THREADS_SYMBOLS, ctypes.c_int)) if lib else None}
    return out


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def provenance() -> dict:
    """The record described in the module docstring (JSON-ready; unknown values are None)."""
    blas = _try(openblas) or {}
    return {
        "code": _try(lambda: git_state(package_root())) or {"commit": None, "dirty": None},
        "versions": _try(versions),
        "math_libraries": _try(math_libraries),
        "cpu": {"model": _try(cpu_model), "machine": _try(platform.machine) or None},
        "kernels": {"torch_cpu_capability": _try(_torch_capability), "numpy_simd": _try(_numpy_simd),
                    "openblas_core": {owner: v["core"] for owner, v in blas.items()}},
        "environment": {k: os.environ[k] for k in ENV_VARS if k in os.environ},
        "threads": {"torch": _try(_torch_threads), **{f"openblas_{owner}": v["threads"] for owner, v in blas.items()}},
    }
