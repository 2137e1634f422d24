"""A sensitivity study end to end on the smoke protocol: variants share the runs they have in
common (with each other and with the plain study), and the top-level report is the claims x
variants matrix from the same decision rule."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from conftest import SMOKE, copy_workflow, dry_run_jobs, planned_jobs, snakemake
from nasdqn.analysis.claims import CLAIMS

VARIANTS = {"base": {}, "revisit_best": {"nas": {"revisit_score": "best"}}, "inherit": {"nas": {"transition": "inherit"}}}


def variant_config(path, variants=VARIANTS):
    cfg = dict(SMOKE, variants=variants)
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def trained_agents(proc) -> list[str]:
    return [w.split("run=")[1].split("/")[0] for rule, w in dry_run_jobs(proc) if rule == "train"]


def test_variants_train_each_distinct_run_once(tmp_path):
    work = copy_workflow(tmp_path / "fresh")
    proc = snakemake(work, "--configfile", str(variant_config(work / "v.yaml")), "-n")
    agents = trained_agents(proc)
    seeds = len(SMOKE["protocol"]["seeds"])
    # fixed agents once, Random-NAS for base and inherit, NAS-DQN for all three variants
    assert sorted(agents) == sorted(["fixed_small", "fixed_medium", "fixed_large"] * seeds + ["random_nas"] * 2 * seeds
                                    + ["nas_dqn"] * 3 * seeds)
    assert planned_jobs(proc)["report"] == len(VARIANTS) and planned_jobs(proc)["sensitivity"] == 1


@pytest.mark.e2e
def test_variant_study_after_the_plain_study_trains_only_what_differs(smoke_run, tmp_path):
    work = tmp_path / "after"
    shutil.copytree(smoke_run, work, symlinks=True)
    config = variant_config(work / "v.yaml", {"base": {}, "revisit_best": VARIANTS["revisit_best"]})
    proc = snakemake(work, "--configfile", str(config), "-n")
    assert sorted(trained_agents(proc)) == ["nas_dqn"] * len(SMOKE["protocol"]["seeds"]), proc.stdout
    snakemake(work, "--configfile", str(config), "--cores", "2")
    matrix = pd.read_csv(work / "results/sensitivity/matrix.csv", keep_default_na=False)
    assert set(matrix["variant"]) == {"base", "revisit_best"} and set(matrix["claim"]) == {c.id for c in CLAIMS}
    report = (work / "results/REPORT.md").read_text()
    assert "Claims x variants" in report and "Under the first reading, `base`" in report
    assert "sensitivity/final_by_variant.png" in report and (work / "results/sensitivity/final_by_variant.png").exists()
    for v in ("base", "revisit_best"):
        assert "## The paper's claims" in (work / f"results/variants/{v}/REPORT.md").read_text()
    base_claims = pd.read_csv(work / "results/variants/base/metrics/per_run.csv")
    plain = pd.read_csv(smoke_run / "results/metrics/per_run.csv")
    pd.testing.assert_frame_equal(base_claims.drop(columns=["train_seconds", "search_overhead_share"]),
                                  plain.drop(columns=["train_seconds", "search_overhead_share"]))
    assert planned_jobs(snakemake(work, "--configfile", str(config), "-n")) == {}
