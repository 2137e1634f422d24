"""`check-config`: validate a config file and exit; say which searching agents share a controller stream."""
from __future__ import annotations

import argparse

from nasdqn.settings.config import load
from nasdqn.settings.plan import shared_controller_streams, study_plan

HELP = "validate a config file and exit"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config")


def run(args: argparse.Namespace) -> int:
    cfg = load(args.config)
    print(f"{args.config}: valid ({len(cfg['agents'])} agents, {len(cfg['protocol']['seeds'])} seeds)")
    for a, b in shared_controller_streams(study_plan(cfg)):
        print(f"note: {a} and {b} draw their architecture picks from one stream (the same controller kind without "
              "nas.agent_stream): their picks are not independent")
    return 0
