"""`config-doc`: config/README.md, every key with its default, valid values and effect."""
from __future__ import annotations

import argparse
from pathlib import Path

from nasdqn.commands.schema import write

HELP = "print the config reference (config/README.md)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--defaults", default="config/config.yaml", help="config whose values are shown as defaults")
    p.add_argument("--out", help="write to this file instead of stdout")


def run(args: argparse.Namespace) -> int:
    import yaml

    from nasdqn.settings.config import reference_markdown

    write(reference_markdown(yaml.safe_load(Path(args.defaults).read_text())), args.out)
    return 0
