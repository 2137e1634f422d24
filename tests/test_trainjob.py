"""Training jobs (nasdqn/jobs/trainjob.py), called directly on tiny runs (the smoke protocol cut to
2 episodes of 50 steps): --seed and --out checked, each seed's directory and partner run, an out
directory of another run refused, a yoked run reading its partner's windows, the files a job
writes, resuming from its checkpoint, and the workflow's training groups (find_group,
train_in_group)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO, SMOKE
from nasdqn.jobs import trainjob
from nasdqn.jobs.policy import load_policy
from nasdqn.jobs.results import csv_text
from nasdqn.learning.budget import Budget
from nasdqn.learning.spec import PartnerWindows
from nasdqn.settings.columns import ARCHITECTURE_COLUMNS, EPISODE_COLUMNS, EVALUATION_COLUMNS
from nasdqn.settings.config import load, resolved_agent_config
from nasdqn.settings.deps import code_digest
from nasdqn.settings.errors import UsageError
from nasdqn.settings.identity import RunRecord, fingerprint
from nasdqn.settings.space import Architecture

TrainJob = trainjob.TrainJob


def tiny(agent: str = "fixed_small", budget: int = 2) -> dict:
    """The smoke config's agent, resolved, trained for `budget` pendulum episodes of 50 steps."""
    resolved = resolved_agent_config(SMOKE, agent)
    resolved["budget"] = budget
    resolved["env"]["max_episode_steps"] = 50
    return resolved


# ----- a job of seeds (the CLI's --seed) ----------------------------------------------------------
@pytest.mark.parametrize("seeds, out, message", [
    ([1, 1], "o{seed}", "--seed: expected distinct non-negative integers, got [1, 1]"),
    ([-1], "o", "--seed: expected distinct non-negative integers, got [-1]"),
    ([0, 1], "o", "--out: with several --seed values the path must contain '{seed}'"),
])
def test_for_seeds_refuses_bad_seeds_and_an_out_without_seed(tmp_path, seeds, out, message):
    with pytest.raises(UsageError) as err:
        TrainJob.for_seeds(tiny(), seeds, str(tmp_path / out), None)
    assert str(err.value) == message


def test_for_seeds_gives_each_seed_its_directory_partner_and_one_checkpoint(tmp_path):
    resolved = tiny()
    job = TrainJob.for_seeds(resolved, [0, 3], str(tmp_path / "s{seed}"), None, str(tmp_path / "p{seed}"))
    assert [(m.agent, m.seed, m.dir) for m in job.members] == [("fixed_small", 0, tmp_path / "s0"), ("fixed_small", 3, tmp_path / "s3")]
    assert job.partner_dirs == (tmp_path / "p0", tmp_path / "p3") and job.checkpoint == tmp_path / "s0/checkpoint.pkl"
    assert job.fingerprint == fingerprint(resolved, [0, 3]) != fingerprint(resolved, 0)
    one = TrainJob.for_seeds(resolved, [3], str(tmp_path / "one"), str(tmp_path / "ck"))
    assert one.partner_dirs == (None,) and one.checkpoint == tmp_path / "ck/checkpoint.pkl" and one.fingerprint == fingerprint(resolved, 3)
    assert [(r.spec.name, r.seed) for r in job.runs] == [("fixed_small", 0), ("fixed_small", 3)]
    assert job.budget == Budget("episodes", 2)


def test_an_out_directory_holding_another_run_is_refused(tmp_path):
    resolved = tiny()
    (tmp_path / "run.json").write_text(json.dumps({"fingerprint": "0123456789abcdef"}))
    with pytest.raises(UsageError, match=r"holds a different run \(run.json fingerprint 0123456789abcdef"):
        TrainJob.for_seeds(resolved, [0], str(tmp_path), None)
    (tmp_path / "run.json").write_text("{not json")
    with pytest.raises(UsageError, match="run.json fingerprint None"):
        TrainJob.for_seeds(resolved, [0], str(tmp_path), None)
    (tmp_path / "run.json").write_text(json.dumps({"fingerprint": fingerprint(resolved, 0)}))
    assert TrainJob.for_seeds(resolved, [0], str(tmp_path), None).members[0].dir == tmp_path  # its own run: accepted


def test_a_yoked_run_reads_its_partners_windows(tmp_path):
    cfg = load(REPO / "config/fairtest/pilot_cartpole.yaml")
    job = TrainJob.for_seeds(resolved_agent_config(cfg, "yoked"), [2], str(tmp_path / "yoked"), None, str(tmp_path / "partner{seed}"))
    with pytest.raises(UsageError, match=r"agent 'yoked' seed 2 is yoked to 'nas_dqn', whose run must be trained first: .*partner2"):
        job.runs
    rows = [{"window": w, "start_episode": w + 1, "end_episode": w + 1, "architecture": name, "layers": int(name[0]),
             "units": int(name.split("x")[1].split("-")[0]), "activation": name.split("-", 1)[1], "score": 1.0, "controller_epsilon": 0.5,
             "pick": "exploit", "transition": switched}
            for w, (name, switched) in enumerate([("3x64-tanh", True), ("2x32-relu", True), ("2x32-relu", False)])]
    (tmp_path / "partner2").mkdir()
    (tmp_path / "partner2/architectures.csv").write_text(csv_text(ARCHITECTURE_COLUMNS, rows))
    (tmp_path / "partner2/run.json").write_text('{"agent": "nas_dqn", "seed": 3}')
    with pytest.raises(UsageError, match=r"holds agent 'nas_dqn' seed 3, not its partner 'nas_dqn' seed 2"):
        job.runs  # another seed's run is not this run's partner
    (tmp_path / "partner2/run.json").write_text('{"agent": "nas_dqn", "seed": 2}')
    assert job.runs[0].spec.partner == PartnerWindows("nas_dqn", Architecture(3, 64, "tanh"), (True, False))


def test_runs_of_one_process_must_share_their_budget_and_evaluation(tmp_path):
    a, b, c = tiny(budget=2), tiny(budget=3), tiny()
    c["evaluation"] = {**c["evaluation"], "episodes": c["evaluation"]["episodes"] + 1}
    for other, what in ((b, "protocol.unit and budget"), (c, "evaluation")):
        job = TrainJob([RunRecord("fixed_small", 0, tmp_path / "a", a), RunRecord("fixed_small", 1, tmp_path / "b", other)], tmp_path / "ck", "f")
        with pytest.raises(UsageError, match=f"runs trained in one process must share {what}"):
            job.budget, job.evaluation


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Two seeds of Fixed Small trained in one job and written, checkpointing after every episode."""
    root = tmp_path_factory.mktemp("job")
    job = TrainJob.for_seeds(tiny(), [0, 1], str(root / "seed{seed}"), None)
    trainer, wall = job.run("refuse", 100, 1)
    job.write_outputs(trainer, wall)
    return job, trainer, wall


def test_write_outputs_writes_each_runs_files(trained):
    job, trainer, wall = trained
    for i, m in enumerate(job.members):
        assert (m.dir / "episodes.csv").read_text() == csv_text(EPISODE_COLUMNS, trainer.logs[i].episodes)
        assert len(trainer.logs[i].episodes) == 2 and [e["steps"] for e in trainer.logs[i].episodes] == [50, 50]
        assert (m.dir / "architectures.csv").read_text() == csv_text(ARCHITECTURE_COLUMNS, trainer.search.windows[i])
        assert (m.dir / "evaluations.csv").read_text() == csv_text(EVALUATION_COLUMNS, trainer.logs[i].evaluations)
        assert trainer.logs[i].evaluations and (m.dir / "window_policies").is_dir() and not any((m.dir / "window_policies").iterdir())
        policy = load_policy(m.dir / "policy.pt")
        assert policy.arch == Architecture(2, 32, "relu") and policy.meta["seed"] == m.seed and policy.meta["episode"] == 2
        info = json.loads((m.dir / "run.json").read_text())
        assert {k: info[k] for k in ("agent", "seed", "runs_in_job", "episodes", "budget", "run_env_steps", "fingerprint", "code")} == {
            "agent": "fixed_small", "seed": m.seed, "runs_in_job": 2, "episodes": 2, "budget": {"unit": "episodes", "amount": 2},
            "run_env_steps": 100, "fingerprint": m.fingerprint, "code": {"train": code_digest("train")}}
        assert info["resolved_config"] == tiny() and info["wall_seconds"] == wall and info["env_steps"] == 200
        assert m.written()
    a, b = ((m.dir / "episodes.csv").read_text() for m in job.members)
    assert a != b  # each seed its own run


def test_a_job_resumes_from_its_checkpoint_and_refuses_another_jobs(trained, tmp_path, capsys):
    job, _, _ = trained
    assert job.checkpoint.exists()  # after episode 1 of 2 (the last episode writes none)
    resumed, wall_before = job.resume("refuse")
    assert resumed.episode == 1 and wall_before > 0 and "resuming from" in capsys.readouterr().err
    assert trainjob.where(resumed, job.budget) == "episode 1/2"
    assert trainjob.where(resumed, Budget("steps", 500)) == "episode 1, step 50/500"
    shutil.copy(job.checkpoint, tmp_path / "checkpoint.pkl")
    other = TrainJob.for_seeds(tiny(), [5], str(tmp_path / "other"), str(tmp_path))
    with pytest.raises(UsageError, match="not loaded. Delete it, or pass --stale-checkpoint discard"):
        other.resume("refuse")
    assert other.resume("discard") == (None, 0.0) and not (tmp_path / "checkpoint.pkl").exists()


# ----- training groups of the workflow ---------------------------------------------------------------
def group_plan(tmp_path: Path, members: list[tuple[str, int]]) -> tuple[Path, dict]:
    group = {"id": "g1", "members": [{"dir": str(tmp_path / f"runs/{a}"), "seed": s, "settings": tiny(a)} for a, s in members]}
    plan = tmp_path / "plan/groups.json"
    plan.parent.mkdir(parents=True, exist_ok=True)
    plan.write_text(json.dumps({"groups": [{"id": "g0", "members": [{"dir": "elsewhere", "seed": 0, "settings": {}}]}, group]}))
    return plan, group


def test_find_group_finds_the_group_of_a_run(tmp_path):
    assert trainjob.find_group(tmp_path / "none.json", tmp_path / "runs/x") is None  # no plan: the run trains alone
    plan, group = group_plan(tmp_path, [("fixed_small", 0), ("nas_dqn", 1)])
    assert trainjob.find_group(plan, tmp_path / "runs/nas_dqn") == group
    assert trainjob.find_group(plan, tmp_path / "runs/other") is None
    plan.write_text("{broken")
    with pytest.raises(UsageError, match=f"--group-plan {plan}: cannot be read"):
        trainjob.find_group(plan, tmp_path / "runs/nas_dqn")


def test_a_group_trains_once_and_each_member_copies_its_own_run_out(tmp_path, capsys):
    plan, group = group_plan(tmp_path, [("fixed_small", 0), ("nas_dqn", 1)])
    me = [RunRecord(m["settings"]["agent"], m["seed"], Path(m["dir"]), m["settings"]) for m in group["members"]]
    with pytest.raises(UsageError, match="group g1 holds other settings for"):
        trainjob.train_in_group(group, RunRecord("nas_dqn", 2, me[1].dir, me[1].settings), plan.parent, "refuse", 100, 100)
    trainjob.train_in_group(group, me[0], plan.parent, "refuse", 100, 100)
    assert me[0].written() and not me[1].written() and (plan.parent / "g1/1/run.json").exists()  # the other run waits in staging
    trainjob.train_in_group(group, me[1], plan.parent, "refuse", 100, 100)
    assert "run trained by group g1 (2 runs in one process); copying it out" in capsys.readouterr().err
    assert me[1].written() and not (plan.parent / "g1").exists()
    assert [json.loads((m.dir / "run.json").read_text())["runs_in_job"] for m in me] == [2, 2]
    alone = TrainJob.for_seeds(tiny("nas_dqn"), [1], str(tmp_path / "alone"), None)
    alone.write_outputs(*alone.run("refuse", 100, 100))
    for name in ("episodes.csv", "architectures.csv", "evaluations.csv", "policy.pt", "window_policies/window00.pt"):
        assert (me[1].dir / name).read_bytes() == (tmp_path / "alone" / name).read_bytes(), name
    # a member trained again later never retrains a group-mate whose run is written by today's code
    shutil.rmtree(me[0].dir)
    trainjob.train_in_group(group, me[0], plan.parent, "refuse", 100, 100)
    assert json.loads((me[0].dir / "run.json").read_text())["runs_in_job"] == 1
    assert json.loads((me[1].dir / "run.json").read_text())["runs_in_job"] == 2


def test_a_run_finished_in_an_earlier_groups_staging_is_moved_out_not_trained(tmp_path, capsys):
    """The workflow killed after a group's first job trained the group, before the second copied
    its run out: the next invocation regroups without that run, and its own job moves the staged
    run into place, byte for byte (no training), then drops the emptied staging directory; a staged
    copy of other training code is not taken."""
    plan, group = group_plan(tmp_path, [("fixed_small", 0), ("nas_dqn", 1)])
    me = [RunRecord(m["settings"]["agent"], m["seed"], Path(m["dir"]), m["settings"]) for m in group["members"]]
    trainjob.train_in_group(group, me[0], plan.parent, "refuse", 100, 100)
    staged = plan.parent / "g1/1"
    files = {p.relative_to(staged): p.read_bytes() for p in sorted(staged.rglob("*")) if p.is_file()}
    run_json = json.loads((staged / "run.json").read_text())
    (staged / "run.json").write_text(json.dumps({**run_json, "code": {"train": "older"}}))
    assert not trainjob.adopt_staged(me[1], plan.parent) and not me[1].written()
    (staged / "run.json").write_bytes(files[Path("run.json")])
    capsys.readouterr()
    assert trainjob.adopt_staged(me[1], plan.parent) and me[1].written()
    assert "run trained by group g1 of an earlier invocation; copying it out" in capsys.readouterr().err
    assert {p.relative_to(me[1].dir): p.read_bytes() for p in sorted(me[1].dir.rglob("*")) if p.is_file()} == files
    assert not (plan.parent / "g1").exists() and not trainjob.adopt_staged(me[1], plan.parent)


def test_a_staged_copy_gone_before_the_lock_is_not_copied_and_leaves_nothing(tmp_path, monkeypatch):
    """Another job moved the staged run between the look-up and the lock: nothing is copied, the
    emptied staging directory is not left behind, and the run is not reported as adopted."""
    me = RunRecord("fixed_small", 0, tmp_path / "runs/fixed_small", tiny())
    monkeypatch.setattr(trainjob, "staged_runs", lambda root, code: {me.fingerprint: root / "gone/0"})
    assert not trainjob.adopt_staged(me, tmp_path / "plan") and not (tmp_path / "plan/gone").exists() and not me.dir.exists()
