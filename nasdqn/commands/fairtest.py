"""`fairtest`: the fair test's answer (issue 25; docs/assumptions.md, "Fair test"): from each selected
task's study, the primary contrast (NAS-DQN minus the yoked control), the secondary contrasts, what
a switch costs, compact curves of every run and the figure."""
from __future__ import annotations

import argparse
from pathlib import Path

HELP = "the fair test's tables (contrasts, per run, switch cost, curves) and answer.png from each task's study"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--study", action="append", required=True, metavar="TASK=CONFIG",
                   help="a task's study config (config/fairtest/<task>.yaml; its workflow has run); repeat")
    p.add_argument("--oracle", action="append", default=[], metavar="TASK=CONFIG",
                   help="a task's oracle config (config/fairtest/oracle_<task>.yaml), when the study config has no oracle; repeat")
    p.add_argument("--results", default="results", help="the results folder of the workflow (default: results)")
    p.add_argument("--out", required=True, help="the folder to write into (studies/fairtest)")


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from nasdqn.commands.headroom import pairs
    from nasdqn.jobs.results import atomic_write_bytes
    from nasdqn.outputs import fairtest
    from nasdqn.settings.config import load

    oracles = {task: load(config) for task, config in pairs(args.oracle, "--oracle")}
    tasks = [fairtest.load_task(task, load(config), Path(args.results), oracles.get(task)) for task, config in pairs(args.study, "--study")]
    files = fairtest.build(tasks)  # everything read and computed before anything is written
    out = Path(args.out)
    for name, content in files.items():
        atomic_write_bytes(out / name, content if isinstance(content, bytes) else content.encode())
    per_run, cost = (pd.read_csv(out / f) for f in ("per_run.csv", "switch_cost.csv"))
    fairtest.answer_figure(per_run, cost, out / "answer")
    return 0
