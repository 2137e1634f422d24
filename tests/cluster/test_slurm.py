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


def scontrol_job(job_id: str) -> dict[str, str]:
    """`scontrol show job -o`: the job's fields (TimeLimit, MinMemoryNode, NumCPUs, ...)."""
    out = subprocess.run(["scontrol", "show", "job", "-o", job_id], capture_output=True, text=True, check=True).stdout
    return dict(f.split("=", 1) for f in out.split() if "=" in f)


def minutes(limit: str) -> int:
    """SLURM's [D-]HH:MM:SS as minutes."""
    days, _, hms = limit.rpartition("-")
    h, m, s = (int(x) for x in hms.split(":"))
    return int(days or 0) * 1440 + h * 60 + m + (s > 0)


def test_smoke_workflow_on_slurm_matches_local_run(slurm_cluster, smoke_run, tmp_path, capsys):
    """The smoke protocol in training groups of 4 runs (4, 4, 2) through profiles/slurm: every
    training job is a SLURM job whose own Snakemake runs that job alone, given what it asked for
    (a group's first job the group's runtime, the others 5 minutes: read back with scontrol),
    every other rule runs locally, and the results equal the local run's byte for byte."""
    import yaml

    from nasdqn.settings.resources import FOLLOWER_MINUTES
    from nasdqn.settings.workflow import StudyWorkflow

    state, start_seconds = slurm_cluster
    work = copy_workflow(tmp_path / "slurm")
    smoke = yaml.safe_load((REPO / "config/smoke.yaml").read_text())
    grouped = {**smoke, "protocol": {**smoke["protocol"], "runs_per_job": 4}}
    (work / "grouped.yaml").write_text(yaml.safe_dump(grouped, sort_keys=False))
    study = StudyWorkflow.from_config(grouped, str(work))  # planned before anything ran: every run is still to train
    expected = {(r.agent, r.seed): study.train_runtime(r.run_id, r.seed) for r in study.plan.unique_runs()}
    leads = {(g[0].agent, g[0].seed) for g in study.groups}
    assert len(leads) == 3 and {v for r, v in expected.items() if r not in leads} == {FOLLOWER_MINUTES}
    assert all(expected[r] != FOLLOWER_MINUTES for r in leads)  # the 3 leaders ask for their groups' work
    os.environ["SLURM_CONF"] = str(state / "slurm.conf")
    t0 = time.perf_counter()
    try:
        snakemake(work, "--profile", "profiles/slurm", "--configfile", "grouped.yaml",
                  "--slurm-init-seconds-before-status-checks", "5", "--seconds-between-status-checks", "3", timeout=1200)
    except AssertionError as exc:  # say why: the failed jobs' own logs and SLURM's
        logs = [p for p in [*(work / "results/logs").rglob("*.log"), *(work / ".snakemake/slurm_logs").rglob("*.log")]
                if re.search(r"error|Traceback|CANCELLED|TIME LIMIT", p.read_text(errors="replace"), flags=re.I)]
        raise AssertionError(f"{exc}\n" + "\n".join(f"--- {p}\n{p.read_text(errors='replace')[-3000:]}" for p in logs)) from None
    run_seconds = time.perf_counter() - t0
    with capsys.disabled():
        print(f"\n[slurm] cluster start {start_seconds:.1f} s, grouped smoke workflow through profiles/slurm {run_seconds:.1f} s")

    # every training job ran as a SLURM job: its SLURM log, named by the job id, names its
    # wildcards, the controller's log records that id as completed, and scontrol shows what it was given
    ctld = (state / "slurmctld.log").read_text()
    given = {}
    for log in (work / ".snakemake/slurm_logs/rule_train").rglob("*.log"):
        job_id = log.stem
        if not re.search(rf"_job_complete: JobId={re.escape(job_id)}(\(\d+\))? done", ctld):
            continue
        fields = scontrol_job(job_id)
        ran = set(re.findall(r"wildcards: run=(\w+)/\w+, seed=(\d+)", log.read_text()))
        assert len(ran) == 1, f"{log}: the job ran other runs' training too: {sorted(ran)}"  # its own parse saw other groups
        (agent, seed), = ran
        given[(agent, int(seed))] = (minutes(fields["TimeLimit"]), fields["MinMemoryNode"], fields["NumCPUs"])
    assert set(given) == set(expected), f"training jobs without a completed SLURM job: {set(expected) - set(given)}"
    for run, (limit, mem, cpus) in given.items():
        assert (limit, mem, cpus) == (expected[run], "2000M", "1"), run  # mem_mb 2000: profiles/slurm's set-resources
    with capsys.disabled():
        print(f"[slurm] time limits given (minutes): {sorted(v[0] for v in given.values())}")
    assert [p.name for p in (work / ".snakemake/slurm_logs").iterdir()] == ["rule_train"]  # nothing else went to SLURM

    # byte-identical results to the local run (one process per run), timings aside
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
    cfg["protocol"].update({"seeds": [0], "budget": 4000, "checkpoint_every": 50})
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
