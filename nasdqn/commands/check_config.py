"""`check-config`: validate a config (one file, or several overlaid, and --set keys) and exit; say which
searching agents share a controller stream."""
from __future__ import annotations

import argparse

from nasdqn.settings.config import load
from nasdqn.settings.plan import shared_controller_streams, study_plan

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
        return 0
    print(f"{' + '.join(args.config)}: valid ({len(cfg['agents'])} agents, {len(cfg['protocol']['seeds'])} seeds)")
    for a, b in shared_controller_streams(study_plan(cfg)):
        print(f"note: {a} and {b} draw their architecture picks from one stream (the same controller kind without "
              "nas.agent_stream): their picks are not independent")
    return 0
