"""`publish`: a finished study's small tables copied from its results root into its studies/
folder, byte for byte, deterministically, with source.json saying what and from where."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml
from fake_study import aggregated_study

from nasdqn.cli import main
from nasdqn.outputs import publish
from nasdqn.settings.config import load


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    root = aggregated_study(tmp_path_factory.mktemp("publish"))
    (root / "results/figures").mkdir(exist_ok=True)
    (root / "results/figures/forest.png").write_bytes(b"\x89PNG forest")
    (root / "results/REPORT.md").write_text("# Report\n\n![forest](figures/forest.png)\n")
    return root


def args(root: Path, out: Path) -> list[str]:
    return ["publish", "--config", str(root / "cfg.yaml"), "--results", str(root / "results"), "--out", str(out)]


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_publish_copies_the_small_tables_byte_for_byte_and_records_them(study, tmp_path):
    out = tmp_path / "studies/paper"
    assert main(args(study, out)) == 0
    files = tree(out)
    for rel in ("metrics/claims.csv", "metrics/per_run.csv", "metrics/summary.csv", "figures/forest.png", "REPORT.md"):
        assert (out / rel).read_bytes() == (study / "results" / rel).read_bytes()
    source = json.loads((out / "source.json").read_text())
    assert source["files"] == {k: v for k, v in files.items() if k != "source.json"}
    assert source["config"].endswith("cfg.yaml") and source["config_sha256"] == hashlib.sha256((study / "cfg.yaml").read_bytes()).hexdigest()
    n_runs = len((study / "results/metrics/runs.csv").read_text().splitlines()) - 1
    assert source["runs"]["count"] == n_runs and source["runs"]["commits"] == ["a" * 40] and source["runs"]["cpu_models"] == ["Intel Xeon"]
    assert not any(k.startswith("runs/") for k in files), "run files are not small tables"


def test_publishing_twice_gives_the_same_bytes_and_removes_what_it_no_longer_publishes(study, tmp_path):
    out = tmp_path / "studies/paper"
    assert main(args(study, out)) == 0
    first = tree(out)
    source = json.loads((out / "source.json").read_text())
    source["files"]["metrics/old.csv"] = "0" * 64  # a table an earlier publish wrote and this one does not
    (out / "metrics/old.csv").write_text("x\n")
    (out / "notes.txt").write_text("mine\n")  # not listed: left alone
    (out / "source.json").write_text(json.dumps(source))
    assert main(args(study, out)) == 0
    assert not (out / "metrics/old.csv").exists() and (out / "notes.txt").exists()
    assert {k: v for k, v in tree(out).items() if k != "notes.txt"} == first


def test_a_missing_required_table_stops_publish_before_anything_is_written(study, tmp_path, capsys):
    results = tmp_path / "results"
    shutil.copytree(study / "results/metrics", results / "metrics")
    (results / "metrics/claims.csv").unlink()
    out = tmp_path / "studies/x"
    assert main(["publish", "--config", str(study / "cfg.yaml"), "--results", str(results), "--out", str(out)]) == 2
    assert "claims.csv: missing" in capsys.readouterr().err and not out.exists()


def test_a_large_file_is_left_out_and_listed(study, tmp_path):
    results = tmp_path / "results"
    shutil.copytree(study / "results/metrics", results / "metrics")
    (results / "REPORT.md").write_text("x" * (publish.SMALL + 1))
    pub = publish.collect(load(str(study / "cfg.yaml")), results)
    assert "REPORT.md" not in pub.files and pub.left_out == {"REPORT.md": publish.SMALL + 1}
    assert "metrics/claims.csv" in pub.files


def _variant_tree(results: Path, study: Path) -> None:
    """A study with two variants, from the fake study's tables (what the sensitivity workflow leaves)."""
    for v in ("a", "b"):
        shutil.copytree(study / "results/metrics", results / "variants" / v / "metrics")
    (results / "sensitivity").mkdir(parents=True)
    (results / "sensitivity/matrix.csv").write_text("claim,family,variant,verdict\nfinal_superior,primary,a,inconclusive\n")
    (results / "REPORT.md").write_text("# Sensitivity\n")


def test_a_study_with_variants_publishes_the_matrix_and_each_variants_tables(study, tmp_path):
    cfg = yaml.safe_load((study / "cfg.yaml").read_text())
    cfg["variants"] = {"a": {}, "b": {"nas": {"score": "window_mean"}}}
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(cfg))
    results = tmp_path / "results"
    _variant_tree(results, study)
    shutil.copytree(study / "results/runs", results / "runs")
    out = tmp_path / "studies/sensitivity"
    assert main(["publish", "--config", str(tmp_path / "cfg.yaml"), "--results", str(results), "--out", str(out)]) == 0
    files = tree(out)
    assert {"sensitivity/matrix.csv", "REPORT.md", "variants/a/metrics/claims.csv", "variants/b/metrics/summary.csv"} <= set(files)
    assert not any(k.startswith("variants/a/metrics/comparisons") for k in files)
