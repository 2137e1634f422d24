"""The study's figures by name, declared as plain data: the one registry of figure names and titles.

The workflow reads it at parse time (plain Python: no numpy, no matplotlib): `figure_names(
analysis_settings(config))` for the figures a results root draws, `run_figure_names(...)` for
those drawn after aggregation. The outputs layer registers one drawing function against each
declared name (nasdqn/outputs/drawing.py, `@draws(name)`; nasdqn/outputs/gallery.py checks that
every declared figure has exactly one), and the report lists the figures in this order. A new
figure is one entry here and one decorated function there.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Needs = Literal["", "oracle"]


@dataclass(frozen=True)
class FigureEntry:
    name: str
    title: str
    needs_runs: bool = True  # drawn after aggregation, from the runs and the tables (fig2: from the config alone)
    timed: bool = False  # plots something a clock measured: differs from run to run
    requires: Needs = ""  # "oracle": only in a study with protocol.oracle


E = FigureEntry
FIGURE_ENTRIES: tuple[FigureEntry, ...] = (
    E("fig2_architectures", "Figure 2: the fixed Q-network architectures", needs_runs=False),
    E("learning_curves", "Learning curves: interquartile mean across seeds with 95% stratified-bootstrap bands"),
    E("fig3_summary", "Figure 3: multi-panel summary of the agents", timed=True),
    E("fig4_convergence", "Figure 4: convergence speed"),
    E("fig5_cost", "Figure 5: computational cost", timed=True),
    E("fig6_search", "Figure 6: where the architecture searches went"),
    E("fig7_final", "Figure 7: final performance"),
    E("fig8_time_to_threshold", "Kaplan-Meier curves of the time to threshold"),
    E("fig9_performance_profile", "Performance profile of final performance, with 95% stratified-bootstrap bands"),
    E("forest", "Every claim's comparisons: effect and interval against zero and the margin, coloured by verdict", timed=True),
    E("oracle_ranking", "The oracle: the 27 architectures ranked by final performance, with the agents that search", requires="oracle"),
)
DECLARED: dict[str, FigureEntry] = {e.name: e for e in FIGURE_ENTRIES}
if len(DECLARED) != len(FIGURE_ENTRIES):
    raise ValueError("nasdqn/settings/figures.py: a figure is declared twice")

ALL_FIGURES: dict[str, str] = {e.name: e.title for e in FIGURE_ENTRIES}  # name -> title, every declared figure
FIGURES: dict[str, str] = {e.name: e.title for e in FIGURE_ENTRIES if not e.requires}  # the figures every study draws
TIMED_FIGURES: tuple[str, ...] = tuple(e.name for e in FIGURE_ENTRIES if e.timed)


def figure_names(analysis: dict) -> list[str]:
    """The figures a results root draws (analysis: config.analysis_settings(); its "oracle" list
    decides the oracle's figures)."""
    return [e.name for e in FIGURE_ENTRIES if e.requires != "oracle" or analysis.get("oracle")]


def run_figure_names(analysis: dict) -> list[str]:
    """Of those, the figures drawn after aggregation (from the runs and the tables)."""
    return [n for n in figure_names(analysis) if DECLARED[n].needs_runs]
