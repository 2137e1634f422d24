"""`check-config`: validate a config file and exit."""
from __future__ import annotations

import argparse

from nasdqn.settings.config import load

HELP = "validate a config file and exit"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config")


def run(args: argparse.Namespace) -> int:
    cfg = load(args.config)
    print(f"{args.config}: valid ({len(cfg['agents'])} agents, {len(cfg['protocol']['seeds'])} seeds)")
    return 0
