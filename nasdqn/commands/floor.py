"""`floor`: the task's sanity floor (uniform-random and constant-action policies) on every seed's
evaluation episodes, as metrics/floor.csv."""
from __future__ import annotations

import argparse
from pathlib import Path

from nasdqn.commands.common import analysis, analysis_source

HELP = "uniform-random and constant-action returns on every seed's evaluation episodes (metrics/floor.csv)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    analysis_source(p)
    p.add_argument("--out", default="results/metrics/floor.csv")


def run(args: argparse.Namespace) -> int:
    from nasdqn.jobs.results import atomic_write_text, csv_text
    from nasdqn.tasks import TaskSettings, make_task
    from nasdqn.tasks.floor import FLOOR_COLUMNS, floor_rows

    a = analysis(args)
    task = make_task(TaskSettings.from_config(a["env"]))
    rows = floor_rows(task, list(a["seeds"]), int(a["eval_episodes"]))
    atomic_write_text(Path(args.out), csv_text(FLOOR_COLUMNS, rows))
    return 0
