"""`publish`: copy a finished study's small tables from its results root into studies/<study>/,
where the documents' generated blocks read them (nasdqn/outputs/publish.py says what is copied)."""
from __future__ import annotations

import argparse
from pathlib import Path

HELP = "copy a finished study's small tables (metrics, forest plot, REPORT.md) from its results root into studies/<study>/"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", required=True, help="the study's config (its results root: results/, or results/studies/NAME/)")
    p.add_argument("--results", default="results", help="the results folder the workflow wrote into (default: results)")
    p.add_argument("--out", required=True, help="the study's folder under studies/ (e.g. studies/paper; studies/README.md lists them)")


def run(args: argparse.Namespace) -> int:
    from nasdqn.outputs import publish
    from nasdqn.settings.config import load

    results = Path(args.results)
    pub = publish.collect(load(args.config), results)  # everything read before anything is written
    source = publish.source_record(args.config, args.results, pub, publish.runs_in_brief(results, pub.metrics))
    publish.write(Path(args.out), pub, source)
    left = f"; left out (over {publish.SMALL} bytes): {', '.join(pub.left_out)}" if pub.left_out else ""
    print(f"{args.out}: {len(pub.files)} files from {args.results} ({source['runs']['count']} runs){left}")
    return 0
