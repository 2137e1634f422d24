"""Command line: `python -m nasdqn COMMAND`; every workflow rule calls the package this way, so
that what the workflow runs is exactly what a user can run by hand.

Commands live in nasdqn.commands, one module each, and only the chosen command's module is
imported: a stage of the workflow depends on the import closure of its own command
(nasdqn/settings/deps.py). Any user error (nasdqn.settings.errors) is printed as `error: ...`
with exit status 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from nasdqn import __version__
from nasdqn.settings.errors import NasdqnError

COMMANDS = {
    "train": "nasdqn.commands.train",
    "aggregate": "nasdqn.commands.aggregate",
    "figure": "nasdqn.commands.figure",
    "report": "nasdqn.commands.report",
    "evaluate": "nasdqn.commands.evaluate",
    "render": "nasdqn.commands.render",
    "sensitivity": "nasdqn.commands.sensitivity",
    "floor": "nasdqn.commands.floor",
    "plan": "nasdqn.commands.plan",
    "groups": "nasdqn.commands.groups",
    "schema": "nasdqn.commands.schema",
    "config-doc": "nasdqn.commands.config_doc",
    "check-config": "nasdqn.commands.check_config",
    "verify": "nasdqn.commands.verify",
    "manifest": "nasdqn.commands.manifest",
    "mechanism": "nasdqn.commands.mechanism",
    "headroom": "nasdqn.commands.headroom",
    "fairtest": "nasdqn.commands.fairtest",
    "reread": "nasdqn.commands.reread",
    "pilot": "nasdqn.commands.pilot",
    "publish": "nasdqn.commands.publish",
    "readme": "nasdqn.commands.readme",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of `only` (then only its module is imported)."""
    parser = argparse.ArgumentParser(prog="python -m nasdqn", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"nasdqn {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in [only] if only else COMMANDS:
        module = importlib.import_module(COMMANDS[name])
        p = sub.add_parser(name, help=module.HELP)
        module.add_arguments(p)
        p.set_defaults(func=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv[0] if argv and argv[0] in COMMANDS else None).parse_args(argv)
    try:
        return args.func(args)
    except NasdqnError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
