"""`mechanism`: the cross-task answer: from each task's study tables, where online architecture
search beats fixed designs and whether directed search beats matched random search."""
from __future__ import annotations

import argparse
from pathlib import Path

from nasdqn.settings.errors import UsageError

HELP = "cross-task tables and answer.png: NAS-DQN against both random controls and the oracle's median and best architecture"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--study", action="append", required=True, metavar="TASK=RESULTS_ROOT",
                   help="a task's study: its name and results root (a root with variants/ holds one reading per variant); repeat")
    p.add_argument("--out", required=True, help="the folder to write the tables and answer.png/.pdf into")


def parse_studies(values: list[str]) -> list[tuple[str, Path]]:
    out = []
    for v in values:
        task, sep, root = v.partition("=")
        if not sep or not task or not root:
            raise UsageError(f"--study: expected TASK=RESULTS_ROOT, got {v!r}")
        if not Path(root).is_dir():
            raise UsageError(f"--study {v}: {root} is not a folder")
        out.append((task, Path(root)))
    return out


def run(args: argparse.Namespace) -> int:
    from nasdqn.jobs.results import atomic_write_text
    from nasdqn.outputs import mechanism

    texts, summary = mechanism.build(parse_studies(args.study))  # everything read and computed before anything is written
    out = Path(args.out)
    mechanism.answer_figure(summary, out / "answer")
    for name, text in texts.items():
        atomic_write_text(out / name, text)
    return 0
