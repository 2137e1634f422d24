"""Run files (nasdqn/jobs/results.py) as the analysis reads them: a malformed, missing or
mismatched file stops aggregation with a message naming it, and nothing previously written
changes (property-based, with hypothesis)."""
from __future__ import annotations

import io
import shutil
import tempfile
from contextlib import redirect_stderr
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import two_agent_smoke
from nasdqn.cli import main
from nasdqn.settings.config import validate
from nasdqn.settings.plan import study_plan


def run_main(args):
    err = io.StringIO()
    with redirect_stderr(err):
        rc = main(args)
    return rc, err.getvalue()


@pytest.fixture(scope="module")
def finished_runs(tmp_path_factory):
    """A small complete study (2 agents x 2 seeds) and its tables."""
    root = tmp_path_factory.mktemp("study")
    cfg = two_agent_smoke()
    cfg["protocol"]["budget"] = 6
    (root / "cfg.yaml").write_text(yaml.safe_dump(cfg))
    for run in study_plan(validate(cfg)).unique_runs():  # trained where the workflow would put them
        rc, err = run_main(["train", "--config", str(root / "cfg.yaml"), "--agent", run.agent, "--seed", str(run.seed),
                            "--out", str(root / run.dir)])
        assert rc == 0, err
    rc, err = aggregate(root)
    assert rc == 0, err
    return root


def aggregate(root: Path):
    return run_main(["aggregate", "--config", str(root / "cfg.yaml"), "--results", str(root / "results"), "--out-dir", str(root / "metrics")])


def run_path(root: Path, agent: str, seed: int, name: str) -> Path:
    cfg = yaml.safe_load((root / "cfg.yaml").read_text())
    run = next(r for r in study_plan(validate(cfg)).unique_runs() if (r.agent, r.seed) == (agent, seed))
    return root / run.dir / name


def snapshot(root: Path) -> dict:
    return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}


CORRUPTIONS = {
    "drop_column": lambda lines: [",".join(c for i, c in enumerate(l.split(",")) if i != 1) for l in lines],
    "nan_return": lambda lines: lines[:2] + [l.replace((l.split(",") + [""])[1], "nan", 1) for l in lines[2:3]] + lines[3:],
    "text_in_number": lambda lines: lines[:2] + [l.replace(l.split(",")[0], "three", 1) for l in lines[2:3]] + lines[3:],
    "truncated": lambda lines: lines[:3],
    "duplicate_episode": lambda lines: lines[:2] + lines[1:],
    "empty": lambda lines: [],
    "garbage": lambda lines: ['"unterminated', "\x00\x01"],
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(CORRUPTIONS)), agent=st.sampled_from(["fixed_small", "nas_dqn"]), seed=st.sampled_from([0, 1]),
       target=st.sampled_from(["episodes.csv", "architectures.csv", "run.json"]))
def test_corrupt_results_file_stops_aggregation(finished_runs, kind, agent, seed, target):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(finished_runs, root, dirs_exist_ok=True)
        path = run_path(root, agent, seed, target)
        lines = path.read_text().splitlines()
        new = "\n".join(CORRUPTIONS[kind](lines)) + "\n"
        assume(new != path.read_text())
        path.write_text(new)
        before = snapshot(root / "metrics")
        rc, err = aggregate(root)
        if target == "architectures.csv" and kind in ("drop_column",) and rc == 0:
            pytest.fail("a dropped architectures.csv column went unnoticed")
        assert rc == 2, f"{kind} in {target} was accepted"
        assert str(path) in err, err
        assert snapshot(root / "metrics") == before


def test_missing_run_file_is_named(finished_runs, tmp_path):
    shutil.copytree(finished_runs, tmp_path, dirs_exist_ok=True)
    path = run_path(tmp_path, "nas_dqn", 1, "run.json")
    path.unlink()
    rc, err = aggregate(tmp_path)
    assert rc == 2 and f"{path}: missing" in err


def test_wrong_episode_count_is_named(finished_runs, tmp_path):
    shutil.copytree(finished_runs, tmp_path, dirs_exist_ok=True)
    cfg = yaml.safe_load((tmp_path / "cfg.yaml").read_text())
    cfg["protocol"]["budget"] = 7  # the analysis reads the runs planned for 7 episodes: the 6-episode files under their names
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(cfg))
    old = yaml.safe_load((finished_runs / "cfg.yaml").read_text())
    for run, new in zip(study_plan(validate(old)).unique_runs(), study_plan(validate(cfg)).unique_runs()):
        shutil.copytree(tmp_path / run.dir, tmp_path / new.dir)
    rc, err = aggregate(tmp_path)
    assert rc == 2 and "holds 6 episodes, the config asks for 7" in err
