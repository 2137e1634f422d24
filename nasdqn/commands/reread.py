"""`reread`: the first mechanism study re-read (issue 25, item 1): what its headline measured, from
its committed per-run table and (with --results) from its retrained runs, each checked first
against that table (exit 1, nothing written, when one differs or is missing)."""
from __future__ import annotations

import argparse
from pathlib import Path

HELP = "the first mechanism study re-read: gaps by the last switch, the seed as the unit, variance shares, switch cost, short-run ranking"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default="config/mechanism/acrobot.yaml", help="the study's config")
    p.add_argument("--per-run", default="studies/mechanism/per_run.csv", help="its committed per-run table")
    p.add_argument("--results", help="the results folder holding its runs (results/runs/...); without it only the table's parts")
    p.add_argument("--out", required=True, help="the folder to write into (studies/mechanism/reread)")


def run(args: argparse.Namespace) -> int:
    from nasdqn.analysis.readers import read_table
    from nasdqn.jobs.results import atomic_write_bytes
    from nasdqn.outputs import reread
    from nasdqn.settings.config import load

    cfg = load(args.config)
    per_run = read_table(Path(args.per_run), ["reading", "agent", "seed", "final_performance", "greedy_final", "last_update_switched"])
    files = reread.from_table(per_run, cfg)
    if args.results:
        runs, wrong = reread.read_runs(cfg, Path(args.results))
        wrong = wrong or reread.mismatched_runs(per_run, cfg, runs)
        if wrong:
            import sys

            print(f"reread: {len(wrong)} run(s) do not match {args.per_run} (nothing written):\n  " + "\n  ".join(wrong[:20]), file=sys.stderr)
            return 1
        files.update(reread.from_runs(cfg, runs))
    for name, content in files.items():
        atomic_write_bytes(Path(args.out) / name, content if isinstance(content, bytes) else content.encode())
    return 0
