"""The registry of generated blocks: each a function from the committed tables under studies/ (and
references/) to Markdown, registered by name with @block. A document marks where a block goes:

    <!-- generated: NAME -->
    ...what the function returns...
    <!-- end generated -->

and `python -m nasdqn readme` rewrites every such block (nasdqn/outputs/readme.py). A block whose
study has no committed tables renders `placeholder(...)`: it says so and names the command that
produces them, with no number in it. Helpers here format numbers the same way in every block.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from nasdqn.outputs.studies import STUDIES, Study
from nasdqn.settings.errors import ResultsError


@dataclass(frozen=True)
class Context:
    """Where a block is rendered: the repository root and the document's path relative to it
    (links to studies/ are made relative to the document's folder)."""

    repo: Path
    document: str

    def link(self, rel: str) -> str:
        return Path(os.path.relpath(self.repo / rel, (self.repo / self.document).parent)).as_posix()

    def study(self, name: str) -> Study:
        return STUDIES[name]

    def table(self, study: str, rel: str) -> pd.DataFrame:
        path = self.repo / STUDIES[study].folder / rel
        try:
            return pd.read_csv(path, keep_default_na=False, na_values=[""])
        except (OSError, ValueError) as exc:
            raise ResultsError(f"{path}: not a readable table ({exc})") from None

    def has(self, study: str, rel: str) -> bool:
        return (self.repo / STUDIES[study].folder / rel).is_file()


Render = Callable[[Context], str]
BLOCKS: dict[str, Render] = {}


def block(name: str) -> Callable[[Render], Render]:
    """Register a block's function under `name` (once)."""
    def register(fn: Render) -> Render:
        if name in BLOCKS:
            raise ValueError(f"generated block {name!r} registered twice")
        BLOCKS[name] = fn
        return fn
    return register


def placeholder(ctx: Context, name: str) -> str:
    s = ctx.study(name)
    after = f", after {s.before}" if s.before else ""
    return (f"*Not committed yet: {s.title}. Its tables belong in `{s.folder}/`; they are written by* `{s.produce}`*{after}; "
            "then `python -m nasdqn readme` writes this block from them.*")


def _special(x: float | None) -> str | None:
    """'-' for a missing value, 'inf' / '-inf' for an infinite one, None for a finite one."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return None


def num(x: float, decimals: int = 1) -> str:
    """A value as the documents show it: fixed decimals, '-' for a missing one."""
    return _special(x) or f"{x:.{decimals}f}"


def sig(x: float, digits: int = 3) -> str:
    """A value to `digits` significant digits (intervals' ends)."""
    return _special(x) or f"{x:.{digits}g}"


def interval(low: float, high: float, digits: int = 3) -> str:
    return f"[{sig(low, digits)}, {sig(high, digits)}]"


def span(values, decimals: int = 0, unit: str = "") -> str:
    """'a-b' (or 'a' when they agree) over the values, rounded as shown."""
    lo, hi = num(min(values), decimals), num(max(values), decimals)
    return f"{lo}{unit}" if lo == hi else f"{lo}-{hi}{unit}"


def md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c).replace("|", "/") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def bold_verdict(verdict: str) -> str:
    return f"**{verdict}**" if verdict in ("supported", "contradicted") else verdict
