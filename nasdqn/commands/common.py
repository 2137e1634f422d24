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


def analysis_source(p: argparse.ArgumentParser, runs: bool = False) -> None:
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--config", help="study config YAML (its runs are found in the workflow's layout under results/runs)")
    src.add_argument("--analysis-json", help="analysis settings as JSON (what the workflow passes)")
    if runs:
        p.add_argument("--results", default=RESULTS, help="with --config: the results folder whose runs/ holds the study's runs "
                       "(default: results, the workflow's)")
        p.add_argument("--variant", help="with --config: the variant whose runs to read (a study with variants)")
        p.add_argument("--run-dirs", help="the runs as a JSON list of [agent, seed, directory] (what the workflow passes; "
                       "needed with --analysis-json)")


def analysis(args: argparse.Namespace) -> dict:
    if getattr(args, "analysis_json", None):
        try:
            return json.loads(args.analysis_json)
        except ValueError as exc:
            raise ConfigError(f"--analysis-json: not valid JSON ({exc})") from None
    return analysis_settings(load(args.config))


def study_runs(args: argparse.Namespace) -> list[RunRecord]:
    """The study's runs: --run-dirs (the workflow), else the config's plan (the workflow's layout)."""
    if getattr(args, "run_dirs", None):
        try:
            return [RunRecord(str(agent), int(seed), Path(d)) for agent, seed, d in json.loads(args.run_dirs)]
        except (ValueError, TypeError) as exc:
            raise UsageError(f"--run-dirs: expected a JSON list of [agent, seed, directory] ({exc})") from None
    if not getattr(args, "config", None):
        raise UsageError("--run-dirs: needed with --analysis-json (or give --config to read the workflow's runs)")
    plan = study_plan(load(args.config))
    variants = [v for v in plan.roots if v is not None]
    if variants and args.variant not in variants:
        raise UsageError(f"--variant: expected one of {', '.join(variants)} for this config, got {args.variant!r}")
    root = Path(args.results)
    return [RunRecord(r.agent, r.seed, root / r.dir.relative_to(RESULTS), r.settings) for r in plan.runs[args.variant if variants else None]]


def positive(value: int | None, flag: str) -> None:
    if value is not None and value <= 0:
        raise UsageError(f"{flag}: expected a positive integer, got {value}")
