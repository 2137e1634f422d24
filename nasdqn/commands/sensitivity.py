"""`sensitivity`: the claims x variants matrix and the top-level report of a study with variants."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from nasdqn.commands.common import analysis, analysis_source
from nasdqn.settings.errors import UsageError

HELP = "claims x variants matrix and the top-level report of a study with variants"


def add_arguments(p: argparse.ArgumentParser) -> None:
    analysis_source(p)
    p.add_argument("--variants-json", required=True, help="JSON list of [variant, results root, overrides]")
    p.add_argument("--out-dir", default="results/sensitivity")
    p.add_argument("--report", default="results/REPORT.md")


def run(args: argparse.Namespace) -> int:
    from nasdqn.analysis.tables import Analysis
    from nasdqn.jobs.results import atomic_write_text, csv_text
    from nasdqn.outputs import sensitivity

    a = analysis(args)
    try:
        variants = [(str(v), str(root), dict(o)) for v, root, o in json.loads(args.variants_json)]
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--variants-json: expected a JSON list of [name, results root, overrides] ({exc})") from None
    m = sensitivity.matrix(variants)
    out = Path(args.out_dir)
    sensitivity.final_by_variant(variants, Analysis.from_settings(a), out / "final_by_variant")
    atomic_write_text(out / "matrix.csv", csv_text(sensitivity.MATRIX_COLUMNS, m.to_dict("records")))
    setup = Analysis.from_settings(a)
    pooled = sensitivity.pooled_lines(sensitivity.pooled(variants, setup), setup, len(variants))
    atomic_write_text(args.report, sensitivity.report(m, variants, len(a["seeds"]), args.report, pooled))
    return 0
