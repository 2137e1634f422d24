"""Shared helpers: a throwaway copy of the workflow to run Snakemake in."""
from __future__ import annotations

# isort: off
import nasdqn  # noqa: F401  (first: fixes OpenBLAS's kernel before numpy loads, as in every CLI process)
# isort: on

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
WORKFLOW_FILES = ["Makefile", "workflow", "config", "profiles", "nasdqn", "pyproject.toml"]


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


def planned_jobs(proc) -> dict[str, int]:
    """Rule -> job count from the table a dry run prints."""
    text = proc.stdout + proc.stderr
    if "Nothing to be done" in text:
        return {}
    counts = {}
    for rule, n in re.findall(r"^(\w+)\s+(\d+)$", text, flags=re.M):
        if rule != "total":
            counts[rule] = int(n)
    return counts


def dry_run_jobs(proc) -> list[str]:
    """Every 'rule X:' block's rule and wildcards of a dry run."""
    block = r"(?:(?!(?:local)?rule ).*\n)*?"  # lines of this rule's block only (a rule without wildcards has none)
    return re.findall(rf"^(?:local)?rule (\w+):\n{block}\s+wildcards: (.*)$", proc.stdout, flags=re.M)


def assert_same_results(a: Path, b: Path, config: dict) -> None:
    """Two workflow runs of one config: byte-identical run CSVs, and equal tables but for
    what a clock measured (wall time and the search's share of it)."""
    for agent in config["agents"]:
        for seed in config["protocol"]["seeds"]:
            for name in ("episodes.csv", "architectures.csv", "evaluations.csv"):
                ra, rb = run_dir(a, agent, seed) / name, run_dir(b, agent, seed) / name
                assert ra.read_bytes() == rb.read_bytes(), ra
    assert_same_tables(a / "results/metrics", b / "results/metrics")


def run_dir(work: Path, agent: str, seed: int, root: str = "results") -> Path:
    """Where a study's run of agent x seed lives (results/runs/{agent}/{settings hash}/seed{seed}),
    read from the study's index, {root}/metrics/runs.csv."""
    import pandas as pd

    runs = pd.read_csv(work / root / "metrics/runs.csv")
    row = runs[(runs["agent"] == agent) & (runs["seed"] == seed)]
    assert len(row) == 1, (agent, seed)
    return work / row["directory"].iloc[0]


def untimed_tables(metrics: Path) -> dict:
    """The metrics tables without anything a clock measured."""
    import pandas as pd

    from nasdqn.analysis.claims import CLAIMS
    from nasdqn.analysis.metrics import TIMED_COLUMNS

    timed_claims = {c.id for c in CLAIMS if c.column in TIMED_COLUMNS}
    out = {"per_run": pd.read_csv(metrics / "per_run.csv").drop(columns=[*TIMED_COLUMNS, "runs_in_job"]),
           "runs": pd.read_csv(metrics / "runs.csv")}
    summary = pd.read_csv(metrics / "summary.csv")
    out["summary"] = summary[~summary["metric"].isin(TIMED_COLUMNS)].reset_index(drop=True)
    for name in ("claims", "comparisons"):
        df = pd.read_csv(metrics / f"{name}.csv", keep_default_na=False, dtype=str)
        out[name] = df[~df["claim"].isin(timed_claims)].reset_index(drop=True)
    out["robust"] = pd.read_csv(metrics / "robust.csv")
    return out


def assert_same_tables(a: Path, b: Path) -> None:
    import pandas as pd

    ta, tb = untimed_tables(a), untimed_tables(b)
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True, obj=name)


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> Path:
    """One complete run of the smoke workflow, shared by the workflow tests (read-only)."""
    work = copy_workflow(tmp_path_factory.mktemp("smoke_a"))
    snakemake(work, "--configfile", "config/smoke.yaml", "--cores", "2")
    return work
