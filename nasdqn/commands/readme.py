"""`readme`: rewrite the generated blocks of README.md and docs/*.md from the committed tables
under studies/ (nasdqn/outputs/readme.py), or with --check only say whether they are current.

Either way it also runs the typed-numbers check on README.md and docs/results.md
(nasdqn/outputs/typed_numbers.py). Exit 1 when a block is stale (--check) or a number is typed
by hand outside the generated blocks; 0 otherwise."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "rewrite README.md's and docs/*.md's generated blocks from the tables under studies/ (--check: only compare)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if a block differs from what the tables give")
    p.add_argument("--repo", default=".", help="the repository root (default: the current folder)")


def run(args: argparse.Namespace) -> int:
    from nasdqn.outputs import readme

    repo = Path(args.repo)
    problems = []
    if args.check:
        problems += [f"stale generated block: {s} (run `python -m nasdqn readme`)" for s in readme.stale(repo)]
    else:
        for doc in readme.update(repo):
            print(f"{doc}: generated blocks rewritten")
    problems += [str(t) for t in readme.typed(repo)]
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        print(f"generated blocks {'current' if args.check else 'written'} in {', '.join(readme.documents(repo))}; no number typed by hand "
              f"in {', '.join(readme.CHECKED)}")
    return 1 if problems else 0
