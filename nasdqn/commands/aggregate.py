"""`aggregate`: per-run metrics, summaries, claim verdicts, comparisons, robust aggregates, success
at the ceiling, the sanity floor per run and the oracle's tables."""
from __future__ import annotations

import argparse
from pathlib import Path

from nasdqn.commands.common import analysis, analysis_source, study_runs

HELP = "per-run metrics, summary and statistics tables"


def add_arguments(p: argparse.ArgumentParser) -> None:
    analysis_source(p, runs=True)
    p.add_argument("--floor", help="the study's floor table (metrics/floor.csv, written by the floor command): which runs "
                   "beat a uniform-random policy on their own seed")
    p.add_argument("--out-dir", default="results/metrics")


def compute(args: argparse.Namespace) -> dict:
    """Read, validate and compute every table (a bad file stops here, before anything is written)."""
    from nasdqn.analysis import claim_tables, oracle_tables, tables
    from nasdqn.analysis.metrics import MetricSettings, format_per_run, per_run_table, with_top_shares
    from nasdqn.jobs.results import csv_text

    a = analysis(args)
    setup = tables.Analysis.from_settings(a)
    refs = study_runs(args)
    windows: dict = {}
    per_run = per_run_table(refs, MetricSettings.from_analysis(a), a["budget"] if a["unit"] == "episodes" else None, windows)
    if setup.oracle:
        per_run = with_top_shares(per_run, windows, setup.searchers, oracle_tables.top_names(per_run, setup))
    floor = tables.read_floor(Path(args.floor), list(a["seeds"])) if args.floor else None
    evals = claim_tables.evaluate_claims(per_run, setup)
    frames = {
        "summary.csv": tables.summary_table(per_run, setup),
        "claims.csv": claim_tables.claim_rows(evals, setup),
        "comparisons.csv": claim_tables.comparison_rows(evals, per_run, setup),
        "robust.csv": tables.robust_table(per_run, setup),
        "ceiling.csv": tables.ceiling_table(per_run, setup),
        "floor_check.csv": tables.floor_check(per_run, floor, setup),
        "oracle_ranking.csv": oracle_tables.ranking_table(per_run, setup),
        "oracle.csv": oracle_tables.oracle_table(per_run, setup),
        "agents.csv": tables.agents_table(setup),
    }
    texts = {name: csv_text(list(df.columns), df.to_dict("records")) for name, df in frames.items()}
    texts["runs.csv"] = csv_text(["agent", "seed", "directory"], [{"agent": r.agent, "seed": r.seed, "directory": str(r.dir)} for r in refs])
    texts["per_run.csv"] = format_per_run(per_run)
    return texts


def run(args: argparse.Namespace) -> int:
    from nasdqn.jobs.results import atomic_write_text

    texts = compute(args)
    out = Path(args.out_dir)
    for name, text in texts.items():
        atomic_write_text(out / name, text)
    return 0
