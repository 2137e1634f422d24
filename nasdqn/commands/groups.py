"""`groups`: the training groups of a study (which runs still to train share a process), as the
workflow's rule `training_groups` writes them for its training jobs."""
from __future__ import annotations

import argparse
import json

from nasdqn.settings.errors import ConfigError, UsageError

HELP = "write a study's training groups (protocol.runs_per_job) of the runs still to train"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config-json", required=True, help="the study's validated config as JSON (what the workflow passes)")
    p.add_argument("--out", required=True, help="the groups file (JSON)")
    p.add_argument("--expect", help="the digest the workflow computed while it parsed: refuse a plan that differs")


def run(args: argparse.Namespace) -> int:
    from nasdqn.jobs.results import write_json
    from nasdqn.settings.config import validate
    from nasdqn.settings.identity import digest
    from nasdqn.settings.workflow import planned_groups

    try:
        given = json.loads(args.config_json)
    except ValueError as exc:
        raise ConfigError(f"--config-json: not valid JSON ({exc})") from None
    cfg = validate(given)
    groups = planned_groups(cfg)
    if args.expect is not None and digest(groups, "group") != args.expect:
        raise UsageError(f"--expect {args.expect}: the runs still to train changed since the workflow planned them "
                         f"(now {digest(groups, 'group')}); run the workflow again")
    write_json(args.out, groups)
    sizes = sorted((len(g["members"]) for g in groups["groups"]), reverse=True)
    print(f"{args.out}: {len(sizes)} training group(s) of {sum(sizes)} run(s) (sizes {sizes})")
    return 0
