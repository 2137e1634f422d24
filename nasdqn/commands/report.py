"""`report`: REPORT.md with the claims' verdicts, every comparison, tables and figures."""
from __future__ import annotations

import argparse
from pathlib import Path

from nasdqn.commands.common import analysis, analysis_source

HELP = "write REPORT.md with tables, figures and claim verdicts"


def add_arguments(p: argparse.ArgumentParser) -> None:
    analysis_source(p)
    p.add_argument("--metrics-dir", default="results/metrics")
    p.add_argument("--figure-dir", default="figures", help="figure folder as seen from the report")
    p.add_argument("--gif-dir", default="gifs", help="GIF folder as seen from the report")
    p.add_argument("--out", default="results/REPORT.md")


def run(args: argparse.Namespace) -> int:
    from nasdqn.analysis.tables import Analysis
    from nasdqn.jobs.results import atomic_write_text
    from nasdqn.outputs.report import build_report

    a = analysis(args)
    searchers = [x for x, c in a["controllers"].items() if c != "fixed"]
    text = build_report(Path(args.metrics_dir), Analysis.from_settings(a), args.figure_dir, f"{a['budget']} {a['unit']}",
                        float(a["success_threshold"]), searchers, args.gif_dir)
    atomic_write_text(Path(args.out), text)
    return 0
