"""`config-doc`: config/README.md, every key with its default, valid values and effect."""
from __future__ import annotations

import argparse

from nasdqn.commands.schema import write

HELP = "print the config reference (config/README.md)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", help="write to this file instead of stdout")


def run(args: argparse.Namespace) -> int:
    from nasdqn.settings.markdown import reference_markdown

    write(reference_markdown(), args.out)
    return 0
