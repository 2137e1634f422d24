"""Shared helpers: the shipped configs, the roles of a config, fast learner settings and an agent
built from them, and a throwaway copy of the workflow to run Snakemake in."""
from __future__ import annotations

# isort: off
import nasdqn  # noqa: F401  (first: fixes OpenBLAS's kernel before numpy loads, as in every CLI process)
# isort: on

import copy
import dataclasses
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nasdqn.learning.controller import NASSettings
from nasdqn.learning.dqn import DQNSettings
from nasdqn.learning.spec import AgentSpec, PartnerWindows
from nasdqn.settings.space import Architecture
from nasdqn.tasks import TaskSettings

REPO = Path(__file__).resolve().parents[1]
WORKFLOW_FILES = ["Makefile", "workflow", "config", "profiles", "nasdqn", "pyproject.toml"]

# The shipped configs as plain dicts (read-only: a test that changes one changes a deep copy).
SMOKE = yaml.safe_load((REPO / "config/smoke.yaml").read_text())
PAPER = yaml.safe_load((REPO / "config/config.yaml").read_text())


def roles(reference: str, fixed: list[str], **others: str | None) -> dict:
    """A config's `roles`: the reference agent and the fixed ones, any other role given, the rest None."""
    out = {"reference": reference, "random_search": None, "matched_random": None, "fixed": fixed, "large_fixed": None, "medium_fixed": None}
    assert set(others) <= set(out), others
    return {**out, **others}


def two_agent_smoke() -> dict:
    """The smoke config with two of its agents, Fixed Small and NAS-DQN, and the roles they fill."""
    cfg = copy.deepcopy(SMOKE)
    cfg["agents"] = {k: cfg["agents"][k] for k in ("fixed_small", "nas_dqn")}
    cfg["roles"] = roles("nas_dqn", ["fixed_small"])
    return cfg


# Learner and search settings that make a run of a few short episodes learn and switch (the
# trainer's tests): small batches and memory, learning after 100 steps, windows of 3 episodes.
FAST_DQN = DQNSettings.from_config(batch_size=16, learning_starts=100, replay_size=2000, target_update_steps=100, epsilon_decay=5)
FAST_NAS = NASSettings.from_config(arch_update_interval=3, score_window=2, epsilon_start=0.5)
SHORT_ENV = TaskSettings.from_config(max_episode_steps=50)  # the pendulum, 50 steps an episode


def make_agent(controller: str = "nas", arch: Architecture | None = None, name: str = "test", dqn: DQNSettings = FAST_DQN,
          nas: NASSettings = FAST_NAS, task: TaskSettings = SHORT_ENV, partner: PartnerWindows | None = None, **nas_keys) -> AgentSpec:
    """An AgentSpec of these settings (by default the fast ones), with `nas_keys` replaced in `nas`."""
    return AgentSpec(name, controller, arch, dqn, dataclasses.replace(nas, **nas_keys), task, partner)


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
def aggregated(tmp_path_factory) -> Path:
    """tests/fake_study.py's tiny study with its tables aggregated (root/results/metrics), shared by
    the tests of the outputs: its run files and tables are read-only."""
    from fake_study import aggregated_study

    return aggregated_study(tmp_path_factory.mktemp("aggregated"))


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> Path:
    """One complete run of the smoke workflow, shared by the workflow tests (read-only)."""
    work = copy_workflow(tmp_path_factory.mktemp("smoke_a"))
    snakemake(work, "--configfile", "config/smoke.yaml", "--cores", "2")
    return work
