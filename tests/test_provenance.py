"""Provenance: what made a run is recorded in run.json (fields present and typed, every probe
safe), a dirty tree is seen, and REPORT.md's section warns when a study's runs disagree."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import pytest

from conftest import REPO
from nasdqn.jobs import provenance as prov
from nasdqn.outputs.provenance import provenance_section

SECTIONS = {"code", "versions", "math_libraries", "cpu", "kernels", "environment", "threads"}


def test_fields_are_present_and_typed():
    import numpy  # noqa: F401 - loaded, as in a training process
    import torch  # noqa: F401

    p = prov.provenance()
    assert set(p) == SECTIONS
    assert set(p["versions"]) == {"python", "nasdqn", *prov.PACKAGES}
    assert all(isinstance(v, str) for v in p["versions"].values()), p["versions"]
    assert p["versions"]["torch"].startswith("2.")
    commit = p["code"]["commit"]
    assert commit is None or (len(commit) == 40 and int(commit, 16) >= 0)
    assert p["code"]["dirty"] in (None, True, False)
    assert isinstance(p["cpu"]["model"], str) and p["cpu"]["model"]
    assert isinstance(p["kernels"]["torch_cpu_capability"], str)
    assert isinstance(p["kernels"]["numpy_simd"], list) and p["kernels"]["numpy_simd"]
    assert all(isinstance(core, (str, type(None))) for core in p["kernels"]["openblas_core"].values())
    assert isinstance(p["threads"]["torch"], int) and p["threads"]["torch"] >= 1
    assert p["math_libraries"]["torch_blas"] is None or isinstance(p["math_libraries"]["torch_blas"], str)
    assert all(k in prov.ENV_VARS for k in p["environment"])
    json.dumps(p)  # JSON-ready


def test_this_checkout_is_recognised():
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert prov.git_state(prov.package_root())["commit"] == head


def test_it_is_fast():
    prov.provenance()  # the first call pays for imports
    start = time.perf_counter()
    prov.provenance()
    assert time.perf_counter() - start < 1.0  # about 0.02 s on the development machine


def test_environment_variables_are_recorded(monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.delenv("MKL_CBWR", raising=False)
    env = prov.provenance()["environment"]
    assert env["OPENBLAS_CORETYPE"] == "Haswell" and "MKL_CBWR" not in env


def test_failing_probes_give_null_not_an_exception(monkeypatch, tmp_path):
    def broken(*args, **kwargs):
        raise RuntimeError("probe failed")

    for name in ("_torch_config", "_numpy_blas", "_torch_capability", "_numpy_simd", "_loaded_openblas", "_torch_threads", "cpu_model"):
        monkeypatch.setattr(prov, name, broken)
    monkeypatch.setattr(prov.subprocess, "run", broken)
    p = prov.provenance()
    assert p["code"] == {"commit": None, "dirty": None}
    assert p["math_libraries"] == {"torch_blas": None, "mkl": None, "onednn": None, "numpy_blas": None}
    assert p["kernels"] == {"torch_cpu_capability": None, "numpy_simd": None, "openblas_core": {}}
    assert p["cpu"]["model"] is None and p["threads"]["torch"] is None


# ----- the git state -------------------------------------------------------------------------------
def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    """A copy of the package in a temporary git repository, committed."""
    root = tmp_path / "checkout"
    shutil.copytree(REPO / "nasdqn", root / "nasdqn", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "README.md").write_text("x\n")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    return root


def test_a_clean_tree_and_its_commit(repo):
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert prov.git_state(repo) == {"commit": head, "dirty": False}


def test_untracked_results_do_not_make_the_tree_dirty(repo):
    (repo / "results/runs").mkdir(parents=True)
    (repo / "results/runs/episodes.csv").write_text("1\n")
    assert prov.git_state(repo)["dirty"] is False


@pytest.mark.parametrize("change", ["edit", "new_file"])
def test_a_dirty_tree_is_detected(repo, change):
    if change == "edit":
        (repo / "nasdqn/__init__.py").write_text((repo / "nasdqn/__init__.py").read_text() + "# edited\n")
    else:
        (repo / "notes.py").write_text("print(1)\n")
    assert prov.git_state(repo)["dirty"] is True


def test_the_package_in_a_copied_checkout_reports_its_dirty_tree(repo):
    """provenance() run from the copy's own package finds the copy's repository."""
    (repo / "nasdqn/__init__.py").write_text((repo / "nasdqn/__init__.py").read_text() + "# edited\n")
    code = "import json; from nasdqn.jobs.provenance import provenance; print(json.dumps(provenance()['code']))"
    out = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=True).stdout
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert json.loads(out) == {"commit": head, "dirty": True}


def test_outside_a_checkout_there_is_no_commit(tmp_path, repo):
    assert prov.git_state(tmp_path / "nowhere") == {"commit": None, "dirty": None}
    assert prov.git_state(repo / "nasdqn") == {"commit": None, "dirty": None}  # inside, but not the repository's top level


# ----- REPORT.md's section -----------------------------------------------------------------------------
def record(**changes) -> dict:
    base = {
        "code": {"commit": "a" * 40, "dirty": False},
        "versions": {"python": "3.11.7", "nasdqn": "0.1.0", "torch": "2.13.0+cpu", "numpy": "2.4.6"},
        "math_libraries": {"torch_blas": "mkl", "mkl": "2024.2", "onednn": "3.12.0", "numpy_blas": "scipy-openblas 0.3.31"},
        "cpu": {"model": "Intel Xeon Processor", "machine": "x86_64"},
        "kernels": {"torch_cpu_capability": "AVX512", "numpy_simd": ["X86_V2", "X86_V3"], "openblas_core": {"numpy": "SkylakeX"}},
        "environment": {}, "threads": {"torch": 1, "openblas_numpy": 1},
    }
    for path, value in changes.items():
        section, key = path.split("__")
        base[section] = {**base[section], key: value}
    return base


def run_jsons(tmp_path, records: list[dict | None]) -> list:
    paths = []
    for k, r in enumerate(records):
        path = tmp_path / f"run{k}/run.json"
        path.parent.mkdir()
        body = {"agent": "nas_dqn", "seed": k, "versions": {"torch": "2.13.0"}}
        path.write_text(json.dumps(body if r is None else {**body, "provenance": r}))
        paths.append(path)
    return paths


def test_agreeing_runs_get_no_warning(tmp_path):
    lines = provenance_section(run_jsons(tmp_path, [record(), record()]))
    text = "\n".join(lines)
    assert lines[0] == "## Provenance" and "WARNING" not in text
    assert f"| code.commit | {'a' * 40} | all 2 |" in text and "| cpu.model | Intel Xeon Processor | all 2 |" in text


def test_disagreeing_runs_get_a_warning_that_lists_what_differs(tmp_path):
    runs = [record(), record(cpu__model="AMD EPYC", versions__numpy="2.3.0", kernels__openblas_core={"numpy": "Zen"})]
    text = "\n".join(provenance_section(run_jsons(tmp_path, runs)))
    warning = next(line for line in text.splitlines() if "WARNING" in line)
    for differs in ("cpu.model", "versions.numpy", "kernels.openblas_core"):
        assert differs in warning
    assert "code.commit" not in warning
    assert "| cpu.model | AMD EPYC | 1: nas_dqn seed 1 |" in text


def test_dirty_trees_and_missing_records_are_warned_about(tmp_path):
    text = "\n".join(provenance_section(run_jsons(tmp_path, [record(code__dirty=True), record(code__dirty=True), None])))
    assert "2 of 3 runs were trained from a dirty tree" in text
    assert "1 of 3 runs carry no provenance record" in text


def test_training_writes_the_record_into_run_json(tmp_path):
    from nasdqn.cli import main

    out = tmp_path / "run"
    assert main(["train", "--config", str(REPO / "config/smoke.yaml"), "--agent", "fixed_small", "--seed", "0", "--out", str(out)]) == 0
    info = json.loads((out / "run.json").read_text())
    assert set(info["provenance"]) == SECTIONS and info["versions"] == info["provenance"]["versions"]


# ----- one version number, from one place ----------------------------------------------------------
def test_the_version_comes_from_one_place_and_the_changelog_names_it():
    import tomllib

    import nasdqn

    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "nasdqn.__version__"}
    changelog = (REPO / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog and f"## [{nasdqn.__version__}]" in changelog and "vX.Y.Z" in changelog
    assert prov.provenance()["versions"]["nasdqn"] == nasdqn.__version__


def test_citation_names_the_software_and_the_paper():
    import yaml

    cff = yaml.safe_load((REPO / "CITATION.cff").read_text())
    assert {"cff-version", "message", "title", "authors"} <= set(cff) and cff["license"] == "MIT"
    assert "version" not in cff  # the one version number stays in nasdqn/__init__.py
    paper = cff["references"][0]
    assert paper["title"] == "An Integrated Approach to Neural Architecture Search for Deep Q-Networks"
    assert [a["family-names"] for a in paper["authors"]] == ["Rahmani", "Yazdannik", "Tayefi", "Roshanian"]
