"""`plan`: the runs a study trains (their directories, or their run.json as Snakemake targets)."""
from __future__ import annotations

import argparse

from nasdqn.commands.common import config_arguments, load_config
from nasdqn.settings.plan import study_plan

HELP = "list a config's runs (e.g. `snakemake $(python -m nasdqn plan --config C --targets)` trains them and nothing else)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    config_arguments(p)
    p.add_argument("--targets", action="store_true", help="print each run's run.json (a Snakemake target) instead of its directory")
    p.add_argument("--seeds", type=int, nargs="*", help="only these seeds")


def run(args: argparse.Namespace) -> int:
    for r in study_plan(load_config(args)).unique_runs():
        if args.seeds is None or r.seed in args.seeds:
            print(f"{r.dir}/run.json" if args.targets else r.dir)
    return 0
