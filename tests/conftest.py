"""Shared helpers: a throwaway copy of the workflow to run Snakemake in."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
WORKFLOW_FILES = ["Snakefile", "Makefile", "workflow", "config", "envs", "profiles", "nasdqn", "pyproject.toml"]


def copy_workflow(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / name)
    return dest


def snakemake(workdir: Path, *args: str, check: bool = True, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run the snakemake of this interpreter's environment in workdir."""
    cmd = [sys.executable, "-m", "snakemake", *args]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # jobs call `python`: make it this interpreter, as an activated venv would
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def assert_same_results(a: Path, b: Path, config: dict) -> None:
    """Two workflow runs of one config: byte-identical run CSVs, and per_run.csv equal but for
    its timing column."""
    import pandas as pd

    for agent in config["agents"]:
        for seed in config["protocol"]["seeds"]:
            for name in ("episodes.csv", "architectures.csv"):
                rel = f"results/runs/{agent}/seed{seed}/{name}"
                assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    ta = pd.read_csv(a / "results/metrics/per_run.csv").drop(columns="train_seconds")
    tb = pd.read_csv(b / "results/metrics/per_run.csv").drop(columns="train_seconds")
    pd.testing.assert_frame_equal(ta, tb, check_exact=True)


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> Path:
    """One complete run of the smoke workflow, shared by the workflow tests (read-only)."""
    work = copy_workflow(tmp_path_factory.mktemp("smoke_a"))
    snakemake(work, "--configfile", "config/smoke.yaml", "--cores", "2")
    return work
