"""`figure`: one figure of the study (declared in nasdqn/settings/figures.py, drawn by nasdqn/outputs/gallery.py), as PNG and PDF."""
from __future__ import annotations

import argparse
from pathlib import Path

from nasdqn.commands.common import analysis, analysis_source, study_runs
from nasdqn.settings.errors import UsageError
from nasdqn.settings.figures import ALL_FIGURES

HELP = "draw one of the study's figures (PNG and PDF)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    analysis_source(p, runs=True)
    p.add_argument("--name", required=True, help=", ".join(ALL_FIGURES) + ", or search_AGENT")
    p.add_argument("--per-run", default="results/metrics/per_run.csv")
    p.add_argument("--metrics-dir", help="the study's tables (default: the folder of --per-run)")
    p.add_argument("--out-dir", default="results/figures")


def run(args: argparse.Namespace) -> int:
    from nasdqn.analysis.metrics import MetricSettings
    from nasdqn.analysis.tables import Analysis
    from nasdqn.outputs.drawing import Inputs, load_study
    from nasdqn.outputs.gallery import build, names_for, needs_runs
    from nasdqn.settings.space import Architecture
    from nasdqn.tasks import TaskSettings, make_task

    a = analysis(args)
    setup = Analysis.from_settings(a)
    searchers = [f"search_{x}" for x, c in a["controllers"].items() if c != "fixed"]
    allowed = [*names_for(setup), *searchers]
    if args.name not in allowed:
        raise UsageError(f"--name: expected one of {', '.join(allowed)}, got {args.name!r}")
    task = make_task(TaskSettings.from_config(a["env"])).info
    inp = Inputs(setup, task, {k: Architecture(**v) for k, v in a["fixed"].items()}, a["labels"])
    if needs_runs(args.name):
        inp.study = load_study(args.per_run, study_runs(args), setup, a["controllers"], MetricSettings.from_analysis(a), task,
                               args.metrics_dir)
    build(args.name, Path(args.out_dir) / args.name, inp)
    return 0
