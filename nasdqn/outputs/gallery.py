"""Every figure of a study: the figures declared in nasdqn/settings/figures.py (names, titles and
needs, plain data the workflow also reads) with the functions that draw them, each registered
against its declared name in figures.py and forest.py. Importing this module imports every
drawing module, so the registry is complete; a declared figure without a drawing function is an
error here (a second drawing function, or an undeclared name, is one at registration).
"""
from __future__ import annotations

from pathlib import Path

from nasdqn.analysis.tables import Analysis
from nasdqn.outputs import figures, forest  # noqa: F401  (their @draws register the drawings)
from nasdqn.outputs.drawing import REGISTRY, Inputs, inputs_study
from nasdqn.settings.columns import SEARCH_FIGURE_PREFIX
from nasdqn.settings.figures import DECLARED, FIGURE_ENTRIES

UNDRAWN = [e.name for e in FIGURE_ENTRIES if e.name not in REGISTRY]
if UNDRAWN:
    raise ImportError(f"declared figure(s) without a drawing function: {', '.join(UNDRAWN)}")


def captions(a: Analysis, threshold: float) -> dict[str, str]:
    """Figure titles for the report, with the configured threshold."""
    out = {e.name: e.title for e in FIGURE_ENTRIES}
    out["fig4_convergence"] += f" ({a.unit} until the rolling average exceeds {threshold:g}; censored runs at the budget)"
    out["fig8_time_to_threshold"] += f" (share of runs whose rolling average has exceeded {threshold:g})"
    return out


def names_for(a: Analysis) -> list[str]:
    """The figures this study draws, in report order."""
    return [e.name for e in FIGURE_ENTRIES if e.requires != "oracle" or a.oracle]


def needs_runs(name: str) -> bool:
    return name.startswith(SEARCH_FIGURE_PREFIX) or DECLARED[name].needs_runs


def build(name: str, out_stem: str | Path, inp: Inputs) -> None:
    """Draw one declared figure, or search_AGENT."""
    if name.startswith(SEARCH_FIGURE_PREFIX) and name not in REGISTRY:
        figures.fig_search(inputs_study(inp), name[len(SEARCH_FIGURE_PREFIX):], out_stem)
        return
    REGISTRY[name].draw(inp, out_stem)
