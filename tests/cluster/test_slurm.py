"""The smoke workflow through profiles/slurm on a real one-node SLURM cluster (Debian's
slurm-wlm and munge, started by start_slurm.sh). Needs root and apt; skipped, saying why,
where either is missing. Compares its results with a local run of the same config."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import REPO, assert_same_results, copy_workflow, snakemake

HERE = Path(__file__).resolve().parent
pytestmark = pytest.mark.cluster


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "needs root to install and start slurmctld, slurmd and munged"
    if shutil.which("apt-get") is None:
        return "needs apt-get (Debian) to install slurm-wlm and munge"
    try:
        import snakemake_executor_plugin_slurm  # noqa: F401
    except ImportError:
        return "snakemake-executor-plugin-slurm is not installed (pip install -e '.[workflow]')"
    return None


@pytest.fixture(scope="module")
def slurm_cluster():
    why = _why_not()
    if why:
        pytest.skip(f"SLURM cluster test skipped: {why}")
    t0 = time.perf_counter()
    proc = subprocess.run(["bash", str(HERE / "start_slurm.sh")], capture_output=True, text=True, timeout=600)
    if proc.returncode == 3:
        pytest.skip(f"SLURM cluster test skipped: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    state = proc.stdout.strip().splitlines()[-1]
    started = time.perf_counter() - t0
    yield Path(state), started
    subprocess.run(["bash", str(HERE / "stop_slurm.sh"), state], timeout=120)


def test_smoke_workflow_on_slurm_matches_local_run(slurm_cluster, smoke_run, tmp_path, capsys):
    state, start_seconds = slurm_cluster
    work = copy_workflow(tmp_path / "slurm")
    os.environ["SLURM_CONF"] = str(state / "slurm.conf")
    t0 = time.perf_counter()
    snakemake(work, "--profile", "profiles/slurm", "--configfile", "config/smoke.yaml",
              "--slurm-init-seconds-before-status-checks", "5", "--seconds-between-status-checks", "3", timeout=1200)
    run_seconds = time.perf_counter() - t0
    with capsys.disabled():
        print(f"\n[slurm] cluster start {start_seconds:.1f} s, smoke workflow through profiles/slurm {run_seconds:.1f} s")

    # every training job ran as a SLURM job (array task or plain job): its SLURM log, named by
    # the job id, names its wildcards, and the controller's log records that id as completed
    ctld = (state / "slurmctld.log").read_text()
    import yaml

    smoke = yaml.safe_load((REPO / "config/smoke.yaml").read_text())
    ran = set()
    for log in (work / ".snakemake/slurm_logs/rule_train").rglob("*.log"):
        job_id = log.stem  # "123" or "120_4" for an array task
        if not re.search(rf"_job_complete: JobId={re.escape(job_id)}(\(\d+\))? done", ctld):
            continue
        for agent, seed in re.findall(r"wildcards: run=(\w+)/\w+, seed=(\d+)", log.read_text()):
            ran.add((agent, int(seed)))
    expected = {(a, s) for a in smoke["agents"] for s in smoke["protocol"]["seeds"]}
    assert ran == expected, f"training jobs without a completed SLURM job: {expected - ran}"

    # byte-identical results to the local run, timings aside
    assert_same_results(work, smoke_run, smoke)
    assert (work / "results/REPORT.md").exists()


def test_slurm_profile_plans_the_same_jobs_as_local():
    local = snakemake(REPO, "-n", "--forceall", "--rerun-triggers", "mtime")
    slurm = snakemake(REPO, "-n", "--forceall", "--rerun-triggers", "mtime", "--profile", "profiles/slurm")
    table = lambda p: re.findall(r"^(\w+)\s+(\d+)$", p.stdout + p.stderr, flags=re.M)  # noqa: E731
    assert table(local) == table(slurm) and ("train", "15") in table(local)


@pytest.mark.slow
def test_job_killed_at_its_time_limit_resumes_from_checkpoint(slurm_cluster, tmp_path, capsys):
    """A training job longer than its SLURM time limit (1 minute) is killed by SLURM (TIMEOUT),
    resubmitted by the profile's retries, and resumes from its checkpoint instead of restarting."""
    import yaml

    state, _ = slurm_cluster
    work = copy_workflow(tmp_path / "timeout")
    cfg = yaml.safe_load((work / "config/config.yaml").read_text())
    cfg["agents"] = {"fixed_large": cfg["agents"]["fixed_large"]}
    cfg["protocol"].update({"seeds": [0], "episodes": 4000, "checkpoint_every": 50})
    (work / "long.yaml").write_text(yaml.safe_dump(cfg))
    os.environ["SLURM_CONF"] = str(state / "slurm.conf")
    from nasdqn.settings.config import validate
    from nasdqn.settings.plan import study_plan

    run = study_plan(validate(cfg)).runs[None][0]
    t0 = time.perf_counter()
    snakemake(work, "--profile", "profiles/slurm", "--configfile", "long.yaml", "--set-resources", "train:runtime=1",
              "--slurm-init-seconds-before-status-checks", "5", "--seconds-between-status-checks", "5",
              f"{run.dir}/run.json", timeout=1500)
    log = (work / f"results/logs/train/{run.run_id}/seed0.log").read_text()
    ctld = (state / "slurmctld.log").read_text()
    with capsys.disabled():
        print(f"\n[slurm] time-limit test: {time.perf_counter() - t0:.0f} s; {log.count('resuming from')} resume(s)")
    assert re.search(r"Time limit exhausted for JobId=|JobId=\S+ .*TIMEOUT", ctld), "SLURM never enforced the time limit"
    assert "resuming from" in log and "episode 4000/4000" in log
