"""The sensitivity report (nasdqn/outputs/sensitivity.py) of a study with variants, from a tiny
study's tables (tests/fake_study.py): the claims x variants matrix states its family, and the
variants pooled per seed are one finding seen several times."""
from __future__ import annotations

import json
import shutil

import pandas as pd
from scipy import stats as sps

from nasdqn.cli import main


def test_the_sensitivity_report_states_its_family(aggregated, tmp_path):
    root = aggregated
    variants = []
    for name in ("base", "inherit"):
        shutil.copytree(root / "results/metrics", tmp_path / "study/variants" / name / "metrics")
        variants.append([name, str(tmp_path / "study/variants" / name), {} if name == "base" else {"nas": {"transition": "inherit"}}])
    out = tmp_path / "study/REPORT.md"
    assert main(["sensitivity", "--config", str(root / "cfg.yaml"), "--variants-json", json.dumps(variants),
                 "--out-dir", str(tmp_path / "study/sensitivity"), "--report", str(out)]) == 0
    text = out.read_text()
    assert "Family: every cell is judged within its own variant" in text and "nothing is corrected across the 2 variants" in text
    assert "[`base`](variants/base/REPORT.md)" in text and "`final_superior` (primary)" in text
    # the two variants hold the same runs here: pooled per seed they are the 4 seeds once, not 8 independent runs
    assert "## Over all variants, the seed as the unit" in text and "one finding seen several times" in text
    per_run = pd.read_csv(root / "results/metrics/per_run.csv")
    a, b = (per_run.loc[per_run["agent"] == x].sort_values("seed")["final_performance"] for x in ("nas_dqn", "fixed_medium"))
    p = sps.ttest_ind(a, b, equal_var=False).pvalue
    row = next(line for line in text.splitlines() if line.startswith("| Fixed Medium | 4 |"))
    assert row.endswith(f"| {p:.3g} |"), row
    matrix = (tmp_path / "study/sensitivity/matrix.csv").read_text().splitlines()
    assert matrix[0] == "claim,family,variant,verdict,decisive_pair,key_effect,level,seeds_needed"
