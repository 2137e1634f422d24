"""The study's figures by name, read from the @figure registrations in nasdqn/outputs/*.py with
`ast`, so that the workflow knows them at parse time without importing matplotlib (plain Python).

A figure is one decorated function in the outputs layer (nasdqn/outputs/figures.py documents
the decorator); this module is the only other place that knows about figures, and it learns
them from that source. The workflow calls `figure_names(analysis_settings(config))` for the
figures a results root draws and `run_figure_names(...)` for those drawn after aggregation.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

OUTPUTS = Path(__file__).resolve().parents[1] / "outputs"
FIRST = "figures.py"  # the module that defines the decorator; the others register after it


@dataclass(frozen=True)
class FigureEntry:
    name: str
    title: str
    needs_runs: bool = True
    timed: bool = False
    requires: str = ""  # "oracle": only in a study with protocol.oracle


def _entry(call: ast.Call, where: str) -> FigureEntry:
    try:
        args = [ast.literal_eval(a) for a in call.args]
        kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg}
    except ValueError:
        raise ValueError(f"{where}: @figure(...) takes literal arguments only (the workflow reads them with ast)") from None
    return FigureEntry(*args, **kwargs)


def _registrations(path: Path) -> list[FigureEntry]:
    tree = ast.parse(path.read_text(), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Name) and dec.func.id == "figure":
                    out.append(_entry(dec, f"{path}:{dec.lineno}"))
    return out


@lru_cache(maxsize=None)
def figure_entries(outputs: str = str(OUTPUTS)) -> tuple[FigureEntry, ...]:
    """Every registered figure: figures.py's in source order, then the other modules' (by name)."""
    folder = Path(outputs)
    files = [folder / FIRST] + sorted(p for p in folder.glob("*.py") if p.name != FIRST)
    entries = [e for f in files for e in _registrations(f)]
    names = [e.name for e in entries]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"{folder}: figure(s) registered twice: {', '.join(twice)}")
    return tuple(entries)


ALL_FIGURES: dict[str, str] = {e.name: e.title for e in figure_entries()}  # name -> title, every registered figure
FIGURES: dict[str, str] = {e.name: e.title for e in figure_entries() if not e.requires}  # the figures every study draws
TIMED_FIGURES: tuple[str, ...] = tuple(e.name for e in figure_entries() if e.timed)


def figure_names(analysis: dict) -> list[str]:
    """The figures a results root draws (analysis: config.analysis_settings(); its "oracle" list
    decides the oracle's figures)."""
    return [e.name for e in figure_entries() if e.requires != "oracle" or analysis.get("oracle")]


def run_figure_names(analysis: dict) -> list[str]:
    """Of those, the figures drawn after aggregation (from the runs and the tables)."""
    needs = {e.name: e.needs_runs for e in figure_entries()}
    return [n for n in figure_names(analysis) if needs[n]]
