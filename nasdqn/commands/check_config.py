"""`check-config`: validate a config (one file, or several overlaid, and --set keys) and exit."""
from __future__ import annotations

import argparse

from nasdqn.settings.config import load

HELP = "validate a config (files overlaid in order, then --set keys) and exit"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", nargs="+", help="config YAML file(s), overlaid in order (later files win)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="set one key, the value read as YAML")
    p.add_argument("--print", action="store_true", help="print the complete config (defaults filled) as YAML")


def run(args: argparse.Namespace) -> int:
    cfg = load(args.config, args.set)
    if args.print:
        import yaml

        print(yaml.safe_dump(cfg, sort_keys=False), end="")
    else:
        print(f"{' + '.join(args.config)}: valid ({len(cfg['agents'])} agents, {len(cfg['protocol']['seeds'])} seeds)")
    return 0
