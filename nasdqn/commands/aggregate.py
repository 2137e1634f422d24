"""`aggregate`: per-run metrics, summaries, claim verdicts, comparisons and robust aggregates."""
from __future__ import annotations

import argparse
from pathlib import Path

from nasdqn.commands.common import analysis, analysis_source, study_runs

HELP = "per-run metrics, summary and statistics tables"


def add_arguments(p: argparse.ArgumentParser) -> None:
    analysis_source(p, runs=True)
    p.add_argument("--out-dir", default="results/metrics")


def run(args: argparse.Namespace) -> int:
    from nasdqn.analysis.metrics import MetricSettings, format_per_run, per_run_table
    from nasdqn.analysis.tables import Analysis, claim_rows, comparison_rows, evaluate_claims, robust_table, summary_table
    from nasdqn.jobs.results import atomic_write_text, csv_text

    a = analysis(args)
    setup = Analysis.from_settings(a)
    # Read, validate and compute everything first: a bad file stops here, before any table is written.
    refs = study_runs(args)
    per_run = per_run_table(refs, MetricSettings.from_analysis(a), a["budget"] if a["unit"] == "episodes" else None)
    evals = evaluate_claims(per_run, setup)
    n_seeds = len(a["seeds"])
    tables = {
        "summary.csv": summary_table(per_run, setup),
        "claims.csv": claim_rows(evals, setup, n_seeds),
        "comparisons.csv": comparison_rows(evals, per_run, setup, n_seeds),
        "robust.csv": robust_table(per_run, setup),
    }
    out = Path(args.out_dir)
    atomic_write_text(out / "runs.csv", csv_text(["agent", "seed", "directory"],
                                                 [{"agent": r.agent, "seed": r.seed, "directory": str(r.dir)} for r in refs]))
    atomic_write_text(out / "per_run.csv", format_per_run(per_run))
    for name, df in tables.items():
        atomic_write_text(out / name, csv_text(list(df.columns), df.to_dict("records")))
    return 0
