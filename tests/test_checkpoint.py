"""Preemption safety: SIGKILL a real training process anywhere, resume, get the same bytes."""
from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO, assert_same_tables, copy_workflow

SMOKE = str(REPO / "config/smoke.yaml")
OUTPUTS = ("episodes.csv", "architectures.csv", "evaluations.csv", "policy.pt", "window_policies/window01.pt")


def train(out: Path, *extra: str, fault: str | None = None, seed: int = 1) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("NASDQN_FAULT", None)
    if fault:
        env["NASDQN_FAULT"] = fault
    cmd = [sys.executable, "-m", "nasdqn", "train", "--config", SMOKE, "--agent", "nas_dqn", "--seed", str(seed),
           "--out", str(out), "--checkpoint-every", "3", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "run"
    proc = train(out)
    assert proc.returncode == 0, proc.stderr
    return out


def test_reference_run_has_transitions(uninterrupted):
    arch = pd.read_csv(uninterrupted / "architectures.csv")
    assert arch["transition"].iloc[2], "seed 1 must transition at episode 8 for the transition kill test"
    assert not (uninterrupted / "checkpoint.pkl").exists()  # removed once the outputs are complete


@pytest.mark.parametrize(
    "fault, resumes_from",
    [
        ("episode:5", 3),           # half-way through episode 5; last checkpoint after episode 3
        ("episode:11", 9),          # late in the run
        ("checkpoint_write:2", 3),  # half-way through writing the checkpoint of episode 6
        ("transition:1", 6),        # inside the architecture transition after episode 8 (seed 1's first)
    ],
)
def test_sigkill_then_resume_is_byte_identical(tmp_path, uninterrupted, fault, resumes_from):
    out = tmp_path / "run"
    killed = train(out, fault=fault)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not (out / "episodes.csv").exists()
    resumed = train(out)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming from {out / 'checkpoint.pkl'} at episode {resumes_from}/12" in resumed.stderr
    for name in OUTPUTS:
        assert (out / name).read_bytes() == (uninterrupted / name).read_bytes(), name
    assert not (out / "checkpoint.pkl").exists()


def test_checkpoint_of_another_run_is_refused(tmp_path):
    out = tmp_path / "run"
    assert train(out, fault="episode:5", seed=1).returncode == -signal.SIGKILL
    ckpt = (out / "checkpoint.pkl").read_bytes()
    proc = train(out, seed=2)
    assert proc.returncode == 2 and "belongs to a different run" in proc.stderr and "not loaded" in proc.stderr
    assert (out / "checkpoint.pkl").read_bytes() == ckpt  # nothing touched
    proc = train(out, "--stale-checkpoint", "discard", seed=2)
    assert proc.returncode == 0 and "discarded" in proc.stderr


def test_corrupt_checkpoint_is_refused(tmp_path):
    out = tmp_path / "run"
    assert train(out, fault="episode:5").returncode == -signal.SIGKILL
    path = out / "checkpoint.pkl"
    path.write_bytes(path.read_bytes()[:1000])
    proc = train(out)
    assert proc.returncode == 2 and "unreadable" in proc.stderr and str(path) in proc.stderr


def completed_by_snakemake(work: Path) -> list[Path]:
    """episodes.csv files of training jobs that Snakemake finished (no 'incomplete' marker)."""
    marker_dir = work / ".snakemake/incomplete"
    markers = set()
    for root, _, files in os.walk(marker_dir):
        for f in files:
            rel = Path(root, f).relative_to(marker_dir)
            encoded = "".join(part.lstrip("@") for part in rel.parts)
            try:
                markers.add(base64.urlsafe_b64decode(encoded).decode())
            except ValueError:
                pass
    out = []
    for p in (work / "results/runs").rglob("episodes.csv"):
        files = [p.parent / n for n in ("episodes.csv", "architectures.csv", "run.json")]
        if all(f.exists() for f in files) and not any(str(f.relative_to(work)) in markers for f in files):
            out.append(p)
    return out


@pytest.mark.e2e
def test_killing_snakemake_midway_then_rerunning_completes(tmp_path, smoke_run):
    work = copy_workflow(tmp_path / "wf")
    venv = Path(sys.executable).parent.parent
    make = ["make", "-s", "reproduce", "CONFIG=config/smoke.yaml", f"VENV={venv}", "CORES=2", "-o", f"{venv}/.installed"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.Popen(make, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env)
    deadline = time.time() + 300
    while len(completed_by_snakemake(work)) < 3 and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    # Jobs whose completion Snakemake recorded; a job killed between writing its last output
    # and Snakemake's bookkeeping is (rightly) incomplete and reruns.
    finished = {p: p.stat().st_mtime_ns for p in completed_by_snakemake(work)}
    assert 3 <= len(finished) < 10, "the kill must land in the middle of the training jobs"
    assert not (work / "results/REPORT.md").exists()
    done = subprocess.run(make, cwd=work, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for p, mtime in finished.items():
        assert p.stat().st_mtime_ns == mtime, f"{p} was retrained"
    assert_same_tables(work / "results/metrics", smoke_run / "results/metrics")


def test_the_fair_tests_state_survives_a_checkpoint_round_trip(tmp_path):
    """Commit phase, learners left behind (revisit resume), the grow log and the yoked control's
    update count: a trainer restored from a checkpoint mid-run ends with the same files as one
    that ran through (checkpoint.save / load / restore, in process)."""
    from conftest import make_agent
    from nasdqn.jobs import checkpoint
    from nasdqn.jobs.results import csv_text
    from nasdqn.learning.spec import PartnerWindows
    from nasdqn.learning.trainer import Trainer, runs_of
    from nasdqn.settings.columns import EPISODE_COLUMNS
    from nasdqn.settings.space import Architecture

    partner = PartnerWindows("nas_dqn", Architecture(2, 32, "relu"), (True, False, True, True, False, True, True))
    runs = [*runs_of(make_agent("nas", name="nas_dqn", commit_at=0.6, revisit="resume", transition="grow", distill_steps=40), [0, 1]),
            *runs_of(make_agent("yoked", name="yoked", partner=partner, commit_at=0.6, revisit="resume", memory_pruning="keep_all"), [0]),
            *runs_of(make_agent("random", name="random_nas", revisit="resume", transition="grow", distill_steps=40), [2])]

    def files(tr: Trainer) -> list[str]:
        return [csv_text(EPISODE_COLUMNS, log.episodes) + repr(tr.search.windows[i]) for i, log in enumerate(tr.logs)]

    through = Trainer(runs, 24)
    while not through.done:
        through.run_episode()
    half = Trainer(runs, 24)
    for _ in range(11):
        half.run_episode()
    assert any(half.switches.left[i] for i in range(4)) and half.search.controllers[2].updates > 0  # the state under test exists
    path = tmp_path / "checkpoint.pkl"
    checkpoint.save(path, half, "fp", 1.0)
    resumed = Trainer(runs, 24)
    checkpoint.restore(resumed, checkpoint.load(path, "fp"), path)
    while not resumed.done:
        resumed.run_episode()
    assert files(resumed) == files(through)
    assert any(r["pick"] == "commit" for r in through.search.windows[0])


def test_a_checkpoint_of_other_training_code_or_another_layout_is_refused(tmp_path):
    import pickle

    from conftest import make_agent
    from nasdqn.jobs import checkpoint
    from nasdqn.learning.trainer import Trainer, runs_of
    from nasdqn.settings.errors import CheckpointError

    tr = Trainer(runs_of(make_agent("random"), [0]), 3)
    path = tmp_path / "checkpoint.pkl"
    checkpoint.save(path, tr, "fp", 1.0)
    payload = pickle.loads(path.read_bytes())
    path.write_bytes(pickle.dumps({**payload, "code": "0" * 64}))
    with pytest.raises(CheckpointError, match="written by other training code"):
        checkpoint.load(path, "fp")
    state = dict(payload["trainer"])
    del state["switches"]
    with pytest.raises(CheckpointError, match="does not fit this run"):
        checkpoint.restore(Trainer(runs_of(make_agent("random"), [0]), 3), {**payload, "trainer": state}, path)
