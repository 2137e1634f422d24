"""`figure`: one figure of the study (the paper's Figures 2-7 and more), as PNG and PDF."""
from __future__ import annotations

import argparse
from pathlib import Path

from nasdqn.commands.common import analysis, analysis_source, study_runs
from nasdqn.settings.columns import FIGURES
from nasdqn.settings.errors import UsageError

HELP = "rebuild one of the paper's figures (PNG and PDF)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    analysis_source(p, runs=True)
    p.add_argument("--name", required=True, help=", ".join(FIGURES) + ", or search_AGENT")
    p.add_argument("--per-run", default="results/metrics/per_run.csv")
    p.add_argument("--out-dir", default="results/figures")


def run(args: argparse.Namespace) -> int:
    from nasdqn.analysis.metrics import MetricSettings
    from nasdqn.analysis.tables import Analysis
    from nasdqn.outputs.figures import build, load_study
    from nasdqn.settings.space import Architecture
    from nasdqn.tasks import TaskSettings, make_task

    a = analysis(args)
    searchers = [f"search_{x}" for x, c in a["controllers"].items() if c != "fixed"]
    if args.name not in FIGURES and args.name not in searchers:
        raise UsageError(f"--name: expected one of {', '.join([*FIGURES, *searchers])}, got {args.name!r}")
    fixed = {k: Architecture(**v) for k, v in a["fixed"].items()}
    task = make_task(TaskSettings.from_config(a["env"])).info
    study = None
    if args.name != "fig2_architectures":
        study = load_study(args.per_run, study_runs(args), Analysis.from_settings(a), a["controllers"],
                           MetricSettings.from_analysis(a), task)
    build(args.name, Path(args.out_dir) / args.name, study, fixed, a["labels"], task)
    return 0
