"""`pilot`: the fair test's seed rule (docs/assumptions.md, "Fair test", step 4): from each selected
task's pilot, the spread of the primary contrast and the seeds per agent the study runs."""
from __future__ import annotations

import argparse
from pathlib import Path

HELP = "the fair test's seed rule from its pilots: SD of NAS-DQN - yoked per seed, seeds per agent (at least 10, at most 30)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pilot", action="append", required=True, metavar="TASK=CONFIG", help="a selected task's pilot config; repeat")
    p.add_argument("--tasks", type=int, help="the number of selected tasks the level is split over (default: the number of --pilot)")
    p.add_argument("--results", default="results", help="the results folder of the workflow (default: results)")
    p.add_argument("--out", required=True, help="the CSV to write (studies/fairtest/pilot.csv)")


def run(args: argparse.Namespace) -> int:
    from nasdqn.analysis.fairtest import pilot_row
    from nasdqn.commands.headroom import pairs
    from nasdqn.jobs.results import atomic_write_text, csv_text
    from nasdqn.outputs.fairtest import load_task
    from nasdqn.settings.config import load

    chosen = pairs(args.pilot, "--pilot")
    tasks = args.tasks or len(chosen)
    rows = [pilot_row(load_task(task, load(config), Path(args.results)).study, tasks) for task, config in chosen]
    for r in rows:
        print(f"{r['task']}: NAS-DQN - yoked per seed {r['mean_difference']:.1f} (SD {r['sd_difference']:.1f} over {r['pilot_seeds']} "
              f"seeds); the rule asks {r['seeds_wanted']} seeds, the study runs {r['seeds']}")
    atomic_write_text(args.out, csv_text(list(rows[0]), rows))
    return 0
