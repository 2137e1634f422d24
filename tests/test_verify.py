"""`manifest` and `verify` (nasdqn/outputs/manifest.py, verify.py) on a tiny fake study (2 agents x
3 seeds, plausible run files written directly by tests/fake_study.py, tables by the real
`aggregate`): equal copies verify, a tampered copy says where it differs, a changed verdict or a
missing file fails, a corrupt reference is bad input."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from fake_study import LEVELS, fake_run

from conftest import two_agent_smoke
from nasdqn.cli import main
from nasdqn.outputs.manifest import canonical, reference_for, run_key
from nasdqn.settings.config import validate
from nasdqn.settings.plan import study_plan


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    """A results folder in the workflow's layout: 2 agents x 3 seeds and the real metrics tables."""
    root = tmp_path_factory.mktemp("study")
    cfg = two_agent_smoke()
    cfg["protocol"]["seeds"] = [0, 1, 2]
    (root / "cfg.yaml").write_text(yaml.safe_dump(cfg))
    episodes = int(cfg["protocol"]["budget"])
    for run in study_plan(validate(cfg)).unique_runs():
        fake_run(root / run.dir, run.agent, run.seed, episodes, ["2x32-relu"], LEVELS[run.agent])
    assert main(["aggregate", "--config", str(root / "cfg.yaml"), "--results", str(root / "results"),
                 "--out-dir", str(root / "results/metrics")]) == 0
    assert main(["manifest", str(root / "results"), "--out", str(root / "reference.json")]) == 0
    return root


@pytest.fixture
def copy_of(study, tmp_path) -> Path:
    """A reproduction: a copy of the study's results folder elsewhere."""
    shutil.copytree(study / "results", tmp_path / "results")
    return tmp_path / "results"


def verify(capsys, results: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(["verify", str(results), *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def one(results: Path, pattern: str) -> Path:
    found = sorted(results.glob(pattern))
    assert found, pattern
    return found[0]


# ----- the manifest ------------------------------------------------------------------------------
def test_the_manifest_is_byte_identical_when_written_twice_and_from_a_copy(study, copy_of, tmp_path):
    assert main(["manifest", str(study / "results"), "--out", str(tmp_path / "again.json")]) == 0
    assert main(["manifest", str(copy_of), "--out", str(tmp_path / "copy.json")]) == 0  # runs.csv there holds other absolute paths
    reference = (study / "reference.json").read_bytes()
    assert (tmp_path / "again.json").read_bytes() == reference == (tmp_path / "copy.json").read_bytes()


def test_the_manifest_holds_what_it_documents(study):
    m = json.loads((study / "reference.json").read_text())
    assert (m["format"], m["format_version"]) == ("nasdqn-reference-manifest", 1)
    runs = [key for key in m["provenance"]]
    assert len(runs) == 6 and all(run_key(k) == k for k in runs)
    assert {f"{k}/{n}" for k in runs for n in ("episodes.csv", "architectures.csv", "evaluations.csv")} <= set(m["files"])
    assert {f"metrics/{t}.csv" for t in ("per_run", "summary", "claims", "comparisons", "robust", "runs")} <= set(m["files"])
    assert m["files"]["metrics/per_run.csv"]["form"] == "canonical" and m["files"]["metrics/robust.csv"]["form"] == "bytes"
    per_run = m["studies"]["metrics"]["per_run"]
    assert "train_seconds" not in per_run["columns"] and "final_performance" in per_run["columns"] and len(per_run["rows"]) == 6
    assert "final_best" in m["studies"]["metrics"]["verdicts"] and m["canonical_form"]["dropped_columns"]
    assert m["provenance"][runs[0]]["code"]["commit"] == "a" * 40


def test_the_canonical_form_drops_what_a_clock_measured():
    text = "claim,metric,verdict,train_seconds\nfinal_best,final_performance,inconclusive,1.5\ncost_comparable,train_seconds,supported,2\n"
    assert canonical(text) == "claim,metric,verdict\nfinal_best,final_performance,inconclusive\n"
    assert canonical("agent,directory\nx,/tmp/a/results/runs/x/abc/seed0\n") == "agent,directory\nx,runs/x/abc/seed0\n"
    assert canonical("a,b\n1,2\n") is None


def test_published_references_are_named_after_the_config():
    assert reference_for("config/config.yaml") == Path("references/config.json")
    assert reference_for("config/seeds10.yaml") == Path("references/seeds10.json")
    assert reference_for("/x/repo/config/tasks/cartpole.yaml") == Path("references/tasks/cartpole.json")


# ----- verify --------------------------------------------------------------------------------------
def test_an_identical_copy_verifies_equal(study, copy_of, capsys, tmp_path):
    rc, out, _ = verify(capsys, copy_of, "--reference", str(study / "reference.json"), "--json", str(tmp_path / "v.json"))
    assert rc == 0, out
    assert re.search(r"0 different, 0 missing, \d+ equal", out) and "every file equals the reference" in out
    report = json.loads((tmp_path / "v.json").read_text())
    assert report["exit_code"] == 0 and {f["status"] for f in report["files"]} == {"equal"}


def test_the_answer_comes_first_and_equal_files_only_with_verbose(study, copy_of, capsys):
    """The result and the counts on top; the differing file next; the equal ones only with --verbose."""
    episodes = one(copy_of, "runs/nas_dqn/*/seed1/episodes.csv")
    episodes.write_text(episodes.read_text() + "1,2,3\n")
    rc, out, _ = verify(capsys, copy_of, "--reference", str(study / "reference.json"))
    lines = out.splitlines()
    assert lines[1].startswith("result: OK (exit 0): 1 file(s) differ") and re.match(r"files: 1 different, 0 missing, \d+ equal", lines[3])
    assert lines[4] == "  different (1):" and episodes.relative_to(copy_of).as_posix() in lines[5]
    equal = [f for f in json.loads((study / "reference.json").read_text())["files"] if f != episodes.relative_to(copy_of).as_posix()]
    assert re.search(rf"equal \({len(equal)}\): listed with --verbose", out) and not any(f"    {f}" in lines for f in equal)
    _, verbose, _ = verify(capsys, copy_of, "--reference", str(study / "reference.json"), "--verbose")
    assert all(any(line.startswith(f"    {f}") for line in verbose.splitlines()) for f in equal)
    assert verbose.splitlines()[1] == lines[1]


def test_a_tampered_run_file_is_different_with_its_first_differing_row(study, copy_of, capsys):
    episodes = one(copy_of, "runs/nas_dqn/*/seed1/episodes.csv")
    lines = episodes.read_text().splitlines()
    fields = lines[5].split(",")
    lines[5] = ",".join([fields[0], "99.5", *fields[2:]])
    episodes.write_text("\n".join(lines) + "\n")
    rc, out, _ = verify(capsys, copy_of, "--reference", str(study / "reference.json"))
    assert rc == 0, out  # per_run.csv is unchanged, so the metrics are consistent and no verdict changed
    rel = episodes.relative_to(copy_of).as_posix()
    assert f"different (1):\n    {rel}\n      first differing row: line 6" in out
    assert f"reproduction: {lines[5]}" in out and "statistically consistent" in out
    rc, out, _ = verify(capsys, copy_of, "--reference", str(study / "results"))  # a reference folder: both lines
    original = (study / "results" / rel).read_text().splitlines()[5]
    assert rc == 0 and f"reference:    {original}" in out


def test_a_changed_verdict_fails_and_is_named(study, copy_of, capsys):
    claims = copy_of / "metrics/claims.csv"
    claims.write_text(claims.read_text().replace(",dominance,inconclusive,", ",dominance,supported,", 1))
    rc, out, _ = verify(capsys, copy_of, "--reference", str(study / "reference.json"))
    assert rc == 1, out
    assert re.search(r"verdict changed \(metrics\): \w+ inconclusive -> supported", out) and "result: FAILED (exit 1)" in out


def test_a_changed_verdict_of_a_timed_claim_is_reported_but_not_counted(study, copy_of, capsys):
    claims = copy_of / "metrics/claims.csv"
    rows = list(csv.reader(io.StringIO(claims.read_text())))
    col = rows[0].index("verdict")
    row = next(r for r in rows if r[0] == "negligible_overhead")
    row[col] = "contradicted" if row[col] != "contradicted" else "supported"  # a different verdict, whichever it was
    out_text = io.StringIO()
    csv.writer(out_text, lineterminator="\n").writerows(rows)
    claims.write_text(out_text.getvalue())
    rc, out, _ = verify(capsys, copy_of, "--reference", str(study / "reference.json"))
    assert rc == 0, out
    assert "changed, not counted (a claim about wall time, measured with a clock): negligible_overhead" in out


def test_timed_columns_do_not_count(study, copy_of, capsys):
    per_run = copy_of / "metrics/per_run.csv"
    lines = per_run.read_text().splitlines()
    col = lines[0].split(",").index("train_seconds")
    cells = lines[1].split(",")
    cells[col] = "123.0"
    per_run.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")
    rc, out, _ = verify(capsys, copy_of, "--reference", str(study / "reference.json"))
    assert rc == 0 and "every file equals the reference" in out


def test_inconsistent_metrics_fail(study, copy_of, capsys):
    per_run = copy_of / "metrics/per_run.csv"
    lines = per_run.read_text().splitlines()
    col = lines[0].split(",").index("final_performance")
    rows = [line.split(",") for line in lines[1:]]
    for r in rows:
        if r[0] == "nas_dqn":
            r[col] = repr(float(r[col]) + 1000 + float(r[1]))
    per_run.write_text("\n".join([lines[0], *(",".join(r) for r in rows)]) + "\n")
    rc, out, _ = verify(capsys, copy_of, "--reference", str(study / "reference.json"))
    assert rc == 1, out
    assert "Holm-corrected over the 10 tests" in out and "not statistically consistent (metrics): nas_dqn final_performance" in out


def test_a_missing_file_fails_and_is_named(study, copy_of, capsys):
    gone = one(copy_of, "runs/fixed_small/*/seed2/architectures.csv")
    gone.unlink()
    rc, out, _ = verify(capsys, copy_of, "--reference", str(study / "reference.json"))
    assert rc == 1, out
    assert f"missing: {gone.relative_to(copy_of).as_posix()}" in out


@pytest.mark.parametrize("content, expected", [
    ("{not json", "not valid JSON"),
    ('{"hello": "world"}', "not a nasdqn reference manifest"),
    ('{"format": "nasdqn-reference-manifest", "format_version": 99}', "format_version 99; this nasdqn reads format_version 1"),
    ('{"format": "nasdqn-reference-manifest", "format_version": 1, "files": {"a.csv": {"sha256": "x"}}, "studies": {}, "provenance": {}}',
     "at files/a.csv"),
    ('{"format": "nasdqn-reference-manifest", "format_version": 1, "files": {"a.csv": {"sha256": "' + "0" * 64 + '", "form": "bytes", '
     '"lines": 2, "line_digests": "AAAA"}}, "studies": {}, "provenance": {}}', "files/a.csv: line_digests or text do not match its 2 lines"),
])
def test_a_corrupt_reference_is_bad_input_naming_the_file(copy_of, capsys, tmp_path, content, expected):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    rc, _, err = verify(capsys, copy_of, "--reference", str(bad))
    assert rc == 2 and f"error: {bad}:" in err and expected in err, err


def test_the_default_reference_comes_from_the_config(study, copy_of, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc, _, err = verify(capsys, copy_of, "--config", "config/smoke.yaml")
    assert rc == 2 and "no published reference at references/smoke.json" in err
    (tmp_path / "references").mkdir()
    shutil.copy(study / "reference.json", tmp_path / "references/smoke.json")
    rc, out, _ = verify(capsys, copy_of, "--config", "config/smoke.yaml")
    assert rc == 0 and "against references/smoke.json" in out


def test_a_study_with_variants_is_covered_per_variant(copy_of, capsys, tmp_path):
    """A sensitivity study keeps its tables in variants/*/metrics and its matrix in sensitivity/."""
    for name in ("inherit", "paper_reading"):
        shutil.copytree(copy_of / "metrics", copy_of / f"variants/{name}/metrics")
    shutil.rmtree(copy_of / "metrics")
    (copy_of / "sensitivity").mkdir()
    (copy_of / "sensitivity/matrix.csv").write_text("claim,variant,verdict\nfinal_best,inherit,inconclusive\n"
                                                    "cost_comparable,inherit,not tested\n")
    assert main(["manifest", str(copy_of), "--out", str(tmp_path / "m.json")]) == 0
    m = json.loads((tmp_path / "m.json").read_text())
    assert sorted(m["studies"]) == ["variants/inherit/metrics", "variants/paper_reading/metrics"]
    assert m["files"]["sensitivity/matrix.csv"]["text"] == ["claim,variant,verdict", "final_best,inherit,inconclusive"]
    rc, out, _ = verify(capsys, copy_of, "--reference", str(tmp_path / "m.json"))
    assert rc == 0 and "study variants/inherit/metrics:" in out and "every file equals the reference" in out


def test_the_published_paper_reference_is_a_valid_manifest_of_the_paper_protocol():
    """references/config.json is what `make verify` checks a reproduction of the paper protocol against."""
    from nasdqn.outputs.manifest import load_manifest
    from nasdqn.settings.config import load
    from nasdqn.settings.plan import study_plan

    repo = Path(__file__).resolve().parents[1]
    m = load_manifest(repo / reference_for("config/config.yaml"))
    runs = {str(r.dir).removeprefix("results/") for r in study_plan(load(repo / "config/config.yaml")).unique_runs()}
    listed = {f.rsplit("/", 1)[0] for f in m["files"] if f.startswith("runs/")}
    assert listed == runs and "metrics/claims.csv" in m["files"]
