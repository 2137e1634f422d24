"""Fault injection for the kill-and-resume tests (inactive unless NASDQN_FAULT is set).

NASDQN_FAULT="point:n" makes the process SIGKILL itself the n-th time it reaches `point`:
"episode" (half-way through an episode), "checkpoint_write" (half-way through writing the
temporary file) or "transition" (inside an architecture transition). A real SIGKILL at a
chosen place is what lets the tests compare resumed and uninterrupted runs byte for byte.
"""
from __future__ import annotations

import os
import signal
from pathlib import Path

_FAULT = os.environ.get("NASDQN_FAULT", "")
_counts: dict[str, int] = {}


def fault_armed(point: str) -> bool:
    return _FAULT.startswith(point + ":")


def fault_point(point: str, partial: tuple[Path, bytes] | None = None) -> None:
    if not fault_armed(point):
        return
    _counts[point] = _counts.get(point, 0) + 1
    if _counts[point] == int(_FAULT.split(":")[1]):
        if partial is not None:  # leave a half-written temporary file, as a real kill would
            path, data = partial
            path.parent.mkdir(parents=True, exist_ok=True)
            path.with_name(f".{path.name}.killed.tmp").write_bytes(data[: len(data) // 2])
        os.kill(os.getpid(), signal.SIGKILL)
