"""Command line: `python -m nasdqn {train,aggregate,figure,report,evaluate,render,schema,config-doc,check-config}`.

Every workflow rule calls the package through this module, so that what the workflow
runs is exactly what a user can run by hand.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import checkpoint
from .config import ConfigError, analysis_settings, json_schema, load, resolved_agent_config, validate_resolved
from .policy import PolicyError
from .results import ResultsError, atomic_write_text, csv_text
from .train import TrainingDiverged
from .trainjob import Member, TrainJob, UsageError, check_out_dir, find_group, train_in_group


def _resolved_settings(args: argparse.Namespace) -> dict:
    """The agent's resolved settings from --config-json (the workflow) or --config (by hand),
    with the protocol's progress/checkpoint periods as defaults for the flags."""
    if args.config_json is not None:
        try:
            resolved = json.loads(args.config_json)
        except ValueError as exc:
            raise ConfigError(f"--config-json: not valid JSON ({exc})") from None
        validate_resolved(resolved)
        if resolved["agent"] != args.agent:
            raise ConfigError(f"--config-json: holds the settings of agent {resolved['agent']!r}, not of --agent {args.agent!r}")
    else:
        cfg = load(args.config)
        resolved = resolved_agent_config(cfg, args.agent)
        for key in ("progress_every", "checkpoint_every"):
            if getattr(args, key) is None:
                setattr(args, key, cfg["protocol"][key])
    for key in ("progress_every", "checkpoint_every"):
        value = getattr(args, key) or 100
        if value <= 0:
            raise UsageError(f"--{key.replace('_', '-')}: expected a positive integer, got {value}")
        setattr(args, key, value)
    if args.episodes is not None:
        if args.episodes <= 0:
            raise UsageError(f"--episodes: expected a positive integer, got {args.episodes}")
        resolved["episodes"] = args.episodes
    return resolved


def cmd_train(args: argparse.Namespace) -> int:
    resolved = _resolved_settings(args)
    if args.group_plan:
        group = find_group(Path(args.group_plan), Path(args.out))
        if group is not None and len(group["members"]) > 1:
            if len(args.seed) != 1:
                raise UsageError("--group-plan: a run of a training group takes exactly one --seed")
            me = Member(resolved, args.seed[0], Path(args.out))
            check_out_dir(me)
            train_in_group(group, me, Path(args.group_plan).parent, args.stale_checkpoint, args.progress_every, args.checkpoint_every)
            return 0
    job = TrainJob.for_seeds(resolved, args.seed, args.out, args.checkpoint_dir)
    trainer, wall = job.run(args.stale_checkpoint, args.progress_every, args.checkpoint_every)
    job.write_outputs(trainer, wall)
    if job.checkpoint.exists() and not args.keep_checkpoint:
        job.checkpoint.unlink()
    return 0


def _analysis(args: argparse.Namespace) -> dict:
    if getattr(args, "analysis_json", None):
        try:
            return json.loads(args.analysis_json)
        except ValueError as exc:
            raise ConfigError(f"--analysis-json: not valid JSON ({exc})") from None
    return analysis_settings(load(args.config))


def _run_refs(args: argparse.Namespace, a: dict):
    """Where the study's runs are: --run-dirs (what the workflow passes) or --runs ROOT/{agent}/seed{seed}."""
    from .metrics import RunRef, run_refs

    if getattr(args, "run_dirs", None):
        try:
            return [RunRef(str(agent), int(seed), Path(d)) for agent, seed, d in json.loads(args.run_dirs)]
        except (ValueError, TypeError) as exc:
            raise UsageError(f"--run-dirs: expected a JSON list of [agent, seed, directory] ({exc})") from None
    return run_refs(args.runs, a["agents"], a["seeds"])


def _metric_settings(a: dict):
    from .metrics import MetricSettings

    return MetricSettings(a["rolling_window"], float(a["success_threshold"]), a["final_episodes"])


def cmd_aggregate(args: argparse.Namespace) -> int:
    from .metrics import format_per_run, per_run_table
    from .tables import Analysis, claim_rows, comparison_rows, evaluate_claims, robust_table, summary_table

    a = _analysis(args)
    analysis = Analysis.from_settings(a)
    # Read, validate and compute everything first: a bad file stops here, before any table is written.
    refs = _run_refs(args, a)
    per_run = per_run_table(refs, _metric_settings(a), a["episodes"])
    evals = evaluate_claims(per_run, analysis)
    n_seeds = len(a["seeds"])
    tables = {
        "summary.csv": summary_table(per_run, analysis),
        "claims.csv": claim_rows(evals, analysis, n_seeds),
        "comparisons.csv": comparison_rows(evals, per_run, analysis, n_seeds),
        "robust.csv": robust_table(per_run, analysis),
    }
    out = Path(args.out_dir)
    atomic_write_text(out / "runs.csv", csv_text(["agent", "seed", "directory"],
                                                 [{"agent": r.agent, "seed": r.seed, "directory": str(r.dir)} for r in refs]))
    atomic_write_text(out / "per_run.csv", format_per_run(per_run))
    for name, df in tables.items():
        atomic_write_text(out / name, csv_text(list(df.columns), df.to_dict("records")))
    return 0


def cmd_figure(args: argparse.Namespace) -> int:
    from .figures import FIGURES, build, load_study
    from .network import Architecture
    from .tables import Analysis

    a = _analysis(args)
    searchers = [f"search_{x}" for x, c in a["controllers"].items() if c != "fixed"]
    if args.name not in FIGURES and args.name not in searchers:
        raise UsageError(f"--name: expected one of {', '.join([*FIGURES, *searchers])}, got {args.name!r}")
    fixed = {k: Architecture(**v) for k, v in a["fixed"].items()}
    study = None
    if args.name != "fig2_architectures":
        study = load_study(args.per_run, _run_refs(args, a), Analysis.from_settings(a), a["controllers"], _metric_settings(a))
    build(args.name, Path(args.out_dir) / args.name, study, fixed, a["labels"])
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .report import build_report
    from .tables import Analysis

    a = _analysis(args)
    searchers = [x for x, c in a["controllers"].items() if c != "fixed"]
    text = build_report(Path(args.metrics_dir), Analysis.from_settings(a), args.figure_dir, a["episodes"],
                        float(a["success_threshold"]), searchers, args.gif_dir)
    atomic_write_text(Path(args.out), text)
    return 0


def _policy_and_env(args: argparse.Namespace):
    """A saved policy and the task it was trained on (recorded in its meta)."""
    from .policy import load_policy
    from .tasks import TaskSettings

    policy = load_policy(args.policy)
    try:
        env = TaskSettings.from_policy_meta(policy.meta)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"policy file {args.policy}: its task record is unusable ({exc})") from None
    seed = args.seed if args.seed is not None else int(policy.meta.get("seed", 0))
    if seed < 0:
        raise UsageError(f"--seed: expected a non-negative integer, got {seed}")
    return policy, env, seed


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluate import eval_generator
    from .tasks import greedy_task_returns

    if args.episodes <= 0:
        raise UsageError(f"--episodes: expected a positive integer, got {args.episodes}")
    policy, env, seed = _policy_and_env(args)
    returns = greedy_task_returns(policy.q_values, env, eval_generator(seed), args.episodes)
    print(f"{args.policy}: {policy.arch.name}, greedy return over {args.episodes} episodes (evaluation stream of seed {seed}): "
          f"mean {float(returns.mean())!r} min {float(returns.min())!r} max {float(returns.max())!r}")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from .render import render_gif, render_task_gif

    policy, env, seed = _policy_and_env(args)
    if env.is_pendulum:
        ret = render_gif(policy, env.pendulum, seed, Path(args.out))
    else:
        ret = render_task_gif(policy, env, seed, Path(args.out))
    print(f"{args.out}: {policy.arch.name}, one greedy episode from the first evaluation start of seed {seed}, return {ret:.2f}")
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from . import sensitivity
    from .tables import Analysis

    a = _analysis(args)
    try:
        variants = [(str(v), str(root), dict(o)) for v, root, o in json.loads(args.variants_json)]
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--variants-json: expected a JSON list of [name, results root, overrides] ({exc})") from None
    m = sensitivity.matrix(variants)
    out = Path(args.out_dir)
    analysis = Analysis.from_settings(a)
    sensitivity.final_by_variant(variants, analysis, out / "final_by_variant")
    atomic_write_text(out / "matrix.csv", csv_text(sensitivity.MATRIX_COLUMNS, m.to_dict("records")))
    atomic_write_text(args.report, sensitivity.report(m, variants, len(a["seeds"])))
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    import yaml

    text = "# Generated by `python -m nasdqn schema` from nasdqn/config.py; do not edit by hand.\n"
    text += yaml.safe_dump(json_schema(), sort_keys=False)
    if args.out:
        atomic_write_text(args.out, text)
    else:
        sys.stdout.write(text)
    return 0


def cmd_config_doc(args: argparse.Namespace) -> int:
    import yaml

    from .config import reference_markdown

    text = reference_markdown(yaml.safe_load(Path(args.defaults).read_text()))
    if args.out:
        atomic_write_text(args.out, text)
    else:
        sys.stdout.write(text)
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    cfg = load(args.config)
    print(f"{args.config}: valid ({len(cfg['agents'])} agents, {len(cfg['protocol']['seeds'])} seeds)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m nasdqn", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train one agent on one or more seeds")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--config", help="study config YAML (config/config.yaml)")
    src.add_argument("--config-json", help="an agent's resolved settings as JSON (what the workflow passes)")
    p.add_argument("--agent", required=True, help="agent name from the config's 'agents' section")
    p.add_argument("--seed", type=int, action="append", required=True, help="seed; repeat to train several in one process")
    p.add_argument("--out", required=True, help="run directory; with several seeds it must contain '{seed}'")
    p.add_argument("--episodes", type=int, help="override protocol.episodes")
    p.add_argument("--progress-every", type=int, help="episodes between progress lines on stderr (default: protocol.progress_every, or 100)")
    p.add_argument("--checkpoint-every", type=int, help="episodes between checkpoints (default: protocol.checkpoint_every, or 100)")
    p.add_argument("--checkpoint-dir", help="where the checkpoint lives (default: the first seed's --out)")
    p.add_argument("--keep-checkpoint", action="store_true", help="keep the last checkpoint after the run completes")
    p.add_argument("--group-plan", help="the workflow's training groups (JSON): if --out is a member of a group of several "
                   "runs, the group trains in one process and this job copies its own run out")
    p.add_argument("--stale-checkpoint", choices=("refuse", "discard"), default="refuse",
                   help="what to do with a checkpoint of a different run in --out (the workflow discards: it reruns on purpose)")
    p.set_defaults(func=cmd_train)

    def analysis_source(p: argparse.ArgumentParser) -> None:
        src = p.add_mutually_exclusive_group(required=True)
        src.add_argument("--config", help="study config YAML")
        src.add_argument("--analysis-json", help="analysis settings as JSON (what the workflow passes)")

    p = sub.add_parser("aggregate", help="per-run metrics, summary and statistics tables")
    analysis_source(p)
    p.add_argument("--runs", default="results/runs", help="root of the run directories ({agent}/seed{seed})")
    p.add_argument("--run-dirs", help="the runs as a JSON list of [agent, seed, directory] (what the workflow passes)")
    p.add_argument("--out-dir", default="results/metrics")
    p.set_defaults(func=cmd_aggregate)

    p = sub.add_parser("figure", help="rebuild one of the paper's figures (PNG and PDF)")
    analysis_source(p)
    p.add_argument("--name", required=True, help="fig2_architectures, fig3_summary, ..., fig7_final")
    p.add_argument("--per-run", default="results/metrics/per_run.csv")
    p.add_argument("--runs", default="results/runs", help="root of the run directories ({agent}/seed{seed})")
    p.add_argument("--run-dirs", help="the runs as a JSON list of [agent, seed, directory]")
    p.add_argument("--out-dir", default="results/figures")
    p.set_defaults(func=cmd_figure)

    p = sub.add_parser("report", help="write REPORT.md with tables, figures and claim verdicts")
    analysis_source(p)
    p.add_argument("--metrics-dir", default="results/metrics")
    p.add_argument("--figure-dir", default="figures", help="figure folder as seen from the report")
    p.add_argument("--gif-dir", default="gifs", help="GIF folder as seen from the report")
    p.add_argument("--out", default="results/REPORT.md")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("evaluate", help="greedy return of a saved policy (policy.pt)")
    p.add_argument("--policy", required=True, help="a policy file written by training (results/runs/.../policy.pt)")
    p.add_argument("--episodes", type=int, default=10, help="greedy episodes (default 10, as protocol.eval_episodes)")
    p.add_argument("--seed", type=int, help="evaluation stream of this seed (default: the policy's own seed)")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("render", help="draw the pendulum under a saved policy into a GIF")
    p.add_argument("--policy", required=True, help="a policy file written by training")
    p.add_argument("--out", required=True, help="GIF to write")
    p.add_argument("--seed", type=int, help="start from the first evaluation start state of this seed (default: the policy's)")
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("sensitivity", help="claims x variants matrix and the top-level report of a study with variants")
    analysis_source(p)
    p.add_argument("--variants-json", required=True, help="JSON list of [variant, results root, overrides]")
    p.add_argument("--out-dir", default="results/sensitivity")
    p.add_argument("--report", default="results/REPORT.md")
    p.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser("schema", help="print the config JSON schema (for workflow/schemas)")
    p.add_argument("--out", help="write to this file instead of stdout")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("config-doc", help="print the config reference (config/README.md)")
    p.add_argument("--defaults", default="config/config.yaml", help="config whose values are shown as defaults")
    p.add_argument("--out", help="write to this file instead of stdout")
    p.set_defaults(func=cmd_config_doc)

    p = sub.add_parser("check-config", help="validate a config file and exit")
    p.add_argument("config")
    p.set_defaults(func=cmd_check_config)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if (getattr(args, "progress_every", None) or 1) <= 0:
        parser.error("--progress-every: expected a positive integer")
    try:
        return args.func(args)
    except (ConfigError, UsageError, ResultsError, TrainingDiverged, checkpoint.CheckpointError, PolicyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
