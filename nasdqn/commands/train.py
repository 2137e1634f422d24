"""`train`: one agent on one or more seeds, or a run of a workflow training group."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from nasdqn.commands.common import config_arguments, load_config, positive, refuse_set_without_config
from nasdqn.settings.config import validate_resolved
from nasdqn.settings.errors import ConfigError, UsageError
from nasdqn.settings.identity import RunRecord
from nasdqn.settings.resolve import resolved_agent_config

HELP = "train one agent on one or more seeds"


def add_arguments(p: argparse.ArgumentParser) -> None:
    config_arguments(p, "an agent's resolved settings as JSON (what the workflow passes)")
    p.add_argument("--agent", required=True, help="agent name from the config's 'agents' section")
    p.add_argument("--variant", help="with --config: the variant whose settings to use")
    p.add_argument("--seed", type=int, action="append", required=True, help="seed; repeat to train several in one process")
    p.add_argument("--out", required=True, help="run directory; with several seeds it must contain '{seed}'")
    p.add_argument("--budget", type=int, help="override protocol.budget (in protocol.unit)")
    p.add_argument("--progress-every", type=int, help="episodes between progress lines on stderr (default: protocol.progress_every, or 100)")
    p.add_argument("--checkpoint-every", type=int, help="episodes between checkpoints (default: protocol.checkpoint_every, or 100)")
    p.add_argument("--checkpoint-dir", help="where the checkpoint lives (default: the first seed's --out)")
    p.add_argument("--keep-checkpoint", action="store_true", help="keep the last checkpoint after the run completes")
    p.add_argument("--group-plan", help="the workflow's training groups (JSON): if --out is a member of a group of several "
                   "runs, the group trains in one process and this job copies its own run out")
    p.add_argument("--partner-dir", help="a yoked agent's partner run (directory with architectures.csv; '{seed}' filled in); "
                   "default: the partner's directory in the workflow's layout, results/runs/...")
    p.add_argument("--stale-checkpoint", choices=("refuse", "discard"), default="refuse",
                   help="what to do with a checkpoint of a different run in --out (the workflow discards: it reruns on purpose)")


def resolved_settings(args: argparse.Namespace) -> dict:
    """The agent's resolved settings from --config-json (the workflow) or --config (by hand),
    with the protocol's progress/checkpoint periods as defaults for the flags."""
    refuse_set_without_config(args)
    if args.config_json is not None:
        try:
            resolved = json.loads(args.config_json)
        except ValueError as exc:
            raise ConfigError(f"--config-json: not valid JSON ({exc})") from None
        resolved = validate_resolved(resolved)
        if resolved["agent"] != args.agent:
            raise ConfigError(f"--config-json: holds the settings of agent {resolved['agent']!r}, not of --agent {args.agent!r}")
    else:
        cfg = load_config(args)
        resolved = resolved_agent_config(cfg, args.agent, args.variant)
        for key in ("progress_every", "checkpoint_every"):
            if getattr(args, key) is None:
                setattr(args, key, cfg["protocol"][key])
    for key in ("progress_every", "checkpoint_every"):
        positive(getattr(args, key), f"--{key.replace('_', '-')}")
        setattr(args, key, getattr(args, key) or 100)
    positive(args.budget, "--budget")
    if args.budget is not None:
        resolved["budget"] = args.budget
    return resolved


def run(args: argparse.Namespace) -> int:
    from nasdqn.jobs.trainjob import TrainJob, adopt_staged, check_out_dir, find_group, train_in_group

    resolved = resolved_settings(args)
    if args.group_plan:  # a workflow's job: its run may train in a group, or wait finished in a staging directory
        group = find_group(Path(args.group_plan), Path(args.out))
        grouped = group is not None and len(group["members"]) > 1
        if grouped and len(args.seed) != 1:
            raise UsageError("--group-plan: a run of a training group takes exactly one --seed")
        if len(args.seed) == 1:
            me = RunRecord(resolved["agent"], args.seed[0], Path(args.out.replace("{seed}", str(args.seed[0]))), resolved)
            check_out_dir(me)
            staging = Path(args.group_plan).parent
            if grouped:
                train_in_group(group, me, staging, args.stale_checkpoint, args.progress_every, args.checkpoint_every)
                return 0
            if adopt_staged(me, staging):  # finished by a group of an earlier invocation
                return 0
    job = TrainJob.for_seeds(resolved, args.seed, args.out, args.checkpoint_dir, args.partner_dir)
    trainer, wall = job.run(args.stale_checkpoint, args.progress_every, args.checkpoint_every)
    job.write_outputs(trainer, wall)
    if job.checkpoint.exists() and not args.keep_checkpoint:
        job.checkpoint.unlink()
    return 0
