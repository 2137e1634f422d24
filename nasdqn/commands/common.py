"""Arguments and inputs several commands share: where the analysis settings and the runs come from."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from nasdqn.settings.config import load
from nasdqn.settings.errors import ConfigError, UsageError
from nasdqn.settings.identity import RESULTS, RunRecord
from nasdqn.settings.plan import study_plan
from nasdqn.settings.resolve import analysis_settings


def config_arguments(p: argparse.ArgumentParser, json_flag: str | None = None, json_name: str = "--config-json",
                     required: bool = True) -> None:
    """--config FILE (repeatable: overlaid in order, later files win), --set KEY=VALUE
    (repeatable, YAML-typed, applied last), and optionally the JSON the workflow passes instead."""
    src = p.add_mutually_exclusive_group(required=required)
    src.add_argument("--config", action="append", metavar="FILE",
                     help="study config YAML; repeat to overlay several in order, mappings merged key by key (later files win)")
    if json_flag:
        src.add_argument(json_name, help=json_flag)
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="with --config: set one key, the value read as YAML (e.g. --set dqn.learning_rate=0.002, "
                   "--set protocol.seeds=[3,4]); repeatable, applied after every --config file")


def refuse_set_without_config(args: argparse.Namespace) -> None:
    """--set changes --config's settings: with the JSON the workflow passes instead it would be ignored."""
    if args.set and not args.config:
        raise UsageError("--set: needs --config (the settings a --set changes)")


def load_config(args: argparse.Namespace) -> dict:
    """The validated config of --config files and --set keys."""
    refuse_set_without_config(args)
    return load(args.config, args.set)


def analysis_source(p: argparse.ArgumentParser, runs: bool = False) -> None:
    """--config files and --set keys (the study's runs are found in the workflow's layout under
    results/runs), or --analysis-json (what the workflow passes)."""
    config_arguments(p, "analysis settings as JSON (what the workflow passes)", "--analysis-json")
    if runs:
        p.add_argument("--results", default=RESULTS, help="with --config: the results folder whose runs/ holds the study's runs "
                       "(default: results, the workflow's)")
        p.add_argument("--variant", help="with --config: the variant whose runs to read (a study with variants)")
        p.add_argument("--run-dirs", help="the runs as a JSON list of [agent, seed, directory] (what the workflow passes; "
                       "needed with --analysis-json)")


def analysis(args: argparse.Namespace) -> dict:
    refuse_set_without_config(args)
    if getattr(args, "analysis_json", None):
        try:
            return json.loads(args.analysis_json)
        except ValueError as exc:
            raise ConfigError(f"--analysis-json: not valid JSON ({exc})") from None
    return analysis_settings(load_config(args))


def study_runs(args: argparse.Namespace) -> list[RunRecord]:
    """The study's runs: --run-dirs (the workflow), else the config's plan (the workflow's layout)."""
    if getattr(args, "run_dirs", None):
        try:
            return [RunRecord(str(agent), int(seed), Path(d)) for agent, seed, d in json.loads(args.run_dirs)]
        except (ValueError, TypeError) as exc:
            raise UsageError(f"--run-dirs: expected a JSON list of [agent, seed, directory] ({exc})") from None
    if not getattr(args, "config", None):
        raise UsageError("--run-dirs: needed with --analysis-json (or give --config to read the workflow's runs)")
    plan = study_plan(load_config(args))
    variants = [v for v in plan.roots if v is not None]
    if variants and args.variant not in variants:
        raise UsageError(f"--variant: expected one of {', '.join(variants)} for this config, got {args.variant!r}")
    root = Path(args.results)
    return [RunRecord(r.agent, r.seed, root / r.dir.relative_to(RESULTS), r.settings) for r in plan.runs[args.variant if variants else None]]


def positive(value: int | None, flag: str) -> None:
    if value is not None and value <= 0:
        raise UsageError(f"{flag}: expected a positive integer, got {value}")
