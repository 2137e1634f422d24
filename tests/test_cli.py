"""The CLI: outputs of one run, byte-identical reruns, and clear errors on bad input."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO
from nasdqn.cli import build_parser

SMOKE = str(REPO / "config/smoke.yaml")


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "nasdqn", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_train_writes_three_files_and_reruns_identically(tmp_path):
    outs = []
    for name in ("a", "b"):
        proc = run_cli("train", "--config", SMOKE, "--agent", "nas_dqn", "--seed", "3", "--out", str(tmp_path / name))
        assert proc.returncode == 0, proc.stderr
        assert "episode 4/12" in proc.stderr and "steps/s" in proc.stderr
        outs.append(tmp_path / name)
    for f in ("episodes.csv", "architectures.csv"):
        assert (outs[0] / f).read_bytes() == (outs[1] / f).read_bytes()
    info = json.loads((outs[0] / "run.json").read_text())
    assert info["seed"] == 3 and info["agent"] == "nas_dqn" and info["episodes"] == 12
    assert info["versions"]["torch"].startswith("2.13.0") and info["env_steps_per_second"] > 0
    assert info["resolved_config"]["nas"]["arch_update_interval"] == 4
    arch = pd.read_csv(outs[0] / "architectures.csv")
    assert list(arch["window"]) == [0, 1, 2] and set(arch["pick"]) <= {"initial", "explore", "exploit"}
    assert not list(outs[0].glob(".*tmp"))  # no temporary files left behind


def test_episodes_override_and_multi_seed(tmp_path):
    proc = run_cli("train", "--config", SMOKE, "--agent", "fixed_small", "--seed", "0", "--seed", "1",
                   "--budget", "5", "--out", str(tmp_path / "seed{seed}"))
    assert proc.returncode == 0, proc.stderr
    for s in (0, 1):
        assert len(pd.read_csv(tmp_path / f"seed{s}" / "episodes.csv")) == 5


@pytest.mark.parametrize(
    "args, message",
    [
        (["--agent", "fixed_huge", "--seed", "0"], "unknown agent 'fixed_huge'"),
        (["--agent", "fixed_small", "--seed", "0", "--budget", "-3"], "--budget: expected a positive integer"),
        (["--agent", "fixed_small", "--seed", "0", "--budget", "0"], "--budget: expected a positive integer"),
        (["--agent", "fixed_small", "--seed", "1", "--seed", "1"], "--seed"),
    ],
)
def test_bad_input_exits_nonzero_with_message(tmp_path, args, message):
    proc = run_cli("train", "--config", SMOKE, "--out", str(tmp_path / "out"), *args)
    assert proc.returncode != 0 and message in proc.stderr
    assert not (tmp_path / "out" / "episodes.csv").exists()


def test_bad_config_key_and_unreadable_config(tmp_path):
    text = (REPO / "config/smoke.yaml").read_text().replace("  batch_size: 16\n", "  batch_size: sixteen\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    proc = run_cli("train", "--config", str(bad), "--agent", "fixed_small", "--seed", "0", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "dqn.batch_size" in proc.stderr
    proc = run_cli("train", "--config", str(tmp_path / "nope.yaml"), "--agent", "fixed_small", "--seed", "0", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "nope.yaml" in proc.stderr


def test_output_dir_holding_a_different_run_is_refused(tmp_path):
    out = str(tmp_path / "run")
    assert run_cli("train", "--config", SMOKE, "--agent", "fixed_small", "--seed", "0", "--budget", "3", "--out", out).returncode == 0
    before = (tmp_path / "run" / "episodes.csv").read_bytes()
    proc = run_cli("train", "--config", SMOKE, "--agent", "fixed_small", "--seed", "1", "--budget", "3", "--out", out)
    assert proc.returncode == 2 and "holds a different run" in proc.stderr
    assert (tmp_path / "run" / "episodes.csv").read_bytes() == before


def test_config_json_is_validated(tmp_path):
    from nasdqn.settings.config import load, resolved_agent_config

    resolved = resolved_agent_config(load(SMOKE), "fixed_small")
    resolved["dqn"]["gamma"] = "high"
    proc = run_cli("train", "--config-json", json.dumps(resolved), "--agent", "fixed_small", "--seed", "0", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "dqn.gamma" in proc.stderr
    resolved = resolved_agent_config(load(SMOKE), "fixed_small")
    proc = run_cli("train", "--config-json", json.dumps(resolved), "--agent", "nas_dqn", "--seed", "0", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "not of --agent 'nas_dqn'" in proc.stderr


def test_saved_policy_evaluates_to_the_recorded_final_greedy_return(tmp_path):
    out = tmp_path / "run"
    assert run_cli("train", "--config", SMOKE, "--agent", "nas_dqn", "--seed", "1", "--out", str(out)).returncode == 0
    final = pd.read_csv(out / "evaluations.csv").iloc[-1]
    proc = run_cli("evaluate", "--policy", str(out / "policy.pt"), "--episodes", "2")
    assert proc.returncode == 0, proc.stderr
    assert f"mean {float(final['mean_return'])!r}" in proc.stdout
    windows = sorted((out / "window_policies").glob("window*.pt"))
    assert len(windows) == len(pd.read_csv(out / "architectures.csv"))
    gif = tmp_path / "p.gif"
    assert run_cli("render", "--policy", str(out / "policy.pt"), "--out", str(gif)).returncode == 0
    assert gif.read_bytes()[:4] == b"GIF8"


@pytest.mark.parametrize("kind", ["missing", "corrupt", "foreign", "outside_space"])
def test_evaluate_and_render_refuse_bad_policy_files(tmp_path, kind):
    import torch

    path = tmp_path / "p.pt"
    if kind == "corrupt":
        path.write_bytes(b"PK\x03\x04 not really a zip")
    elif kind == "foreign":
        torch.save({"weights": torch.zeros(3)}, path)
    elif kind == "outside_space":
        torch.save({"format": "nasdqn-policy", "version": 1, "architecture": {"layers": 5, "units": 64, "activation": "relu"},
                    "state_dict": {}, "meta": {}}, path)
    for args in (["evaluate", "--policy", str(path)], ["render", "--policy", str(path), "--out", str(tmp_path / "x.gif")]):
        proc = run_cli(*args)
        assert proc.returncode == 2 and str(path) in proc.stderr, proc.stderr
        assert not (tmp_path / "x.gif").exists()


GROUP = [("fixed_small", 0), ("nas_dqn", 1)]  # two runs of different agents in one training group


def group_plan_file(tmp_path: Path, groups: list[dict] | None = None) -> Path:
    """The workflow's groups file: by default one group "g1" of GROUP, its runs in tmp_path/group/."""
    from nasdqn.settings.config import load, resolved_agent_config

    cfg = load(SMOKE)
    if groups is None:
        groups = [{"id": "g1", "members": [
            {"dir": str(tmp_path / f"group/{a}"), "seed": s, "settings": resolved_agent_config(cfg, a)} for a, s in GROUP]}]
    path = tmp_path / "plan/groups.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"groups": groups}))
    return path


def train_in_plan(tmp_path: Path, agent: str, seed: int) -> subprocess.CompletedProcess:
    """A workflow's training job: the agent's resolved settings, its run directory and the groups file."""
    from nasdqn.settings.config import load, resolved_agent_config

    return run_cli("train", "--config-json", json.dumps(resolved_agent_config(load(SMOKE), agent)), "--agent", agent, "--seed", str(seed),
                   "--out", str(tmp_path / f"group/{agent}"), "--group-plan", str(tmp_path / "plan/groups.json"))


def test_a_training_group_trains_once_and_gives_each_run_its_own_bytes(tmp_path):
    """Two jobs of one group (different agents): the first trains both in one process, the
    second copies its run out; both runs equal the runs trained alone."""
    group_plan_file(tmp_path)
    logs = []
    for agent, seed in GROUP:
        proc = train_in_plan(tmp_path, agent, seed)
        assert proc.returncode == 0, proc.stderr
        logs.append(proc.stderr)
        assert run_cli("train", "--config", SMOKE, "--agent", agent, "--seed", str(seed), "--out", str(tmp_path / f"alone/{agent}")).returncode == 0
    assert "episode 12/12" in logs[0] and "copying it out" in logs[1]
    for agent, _ in GROUP:
        for name in ("episodes.csv", "architectures.csv", "evaluations.csv", "policy.pt"):
            assert (tmp_path / f"group/{agent}/{name}").read_bytes() == (tmp_path / f"alone/{agent}/{name}").read_bytes(), name
        assert json.loads((tmp_path / f"group/{agent}/run.json").read_text())["runs_in_job"] == 2
    assert not (tmp_path / "plan/g1").exists()  # the staging area is gone once both runs are out
    # the plan of an earlier invocation: a member trained again later never retrains a finished group-mate
    shutil.rmtree(tmp_path / "group/nas_dqn")
    proc = train_in_plan(tmp_path, "nas_dqn", 1)
    assert proc.returncode == 0 and "[nas_dqn seed 1] episode 12/12" in proc.stderr, proc.stderr
    assert json.loads((tmp_path / "group/nas_dqn/run.json").read_text())["runs_in_job"] == 1
    assert (tmp_path / "group/nas_dqn/episodes.csv").read_bytes() == (tmp_path / "alone/nas_dqn/episodes.csv").read_bytes()


def test_a_killed_groups_staged_run_is_moved_out_by_its_own_job_in_the_next_plan(tmp_path):
    """The workflow killed after a group's first job: the next plan holds no group for the other
    run (it is not pending), and that run's own job copies it out of the old staging directory
    instead of training it."""
    group_plan_file(tmp_path)
    assert train_in_plan(tmp_path, "fixed_small", 0).returncode == 0
    staged = (tmp_path / "plan/g1/1/episodes.csv").read_bytes()
    group_plan_file(tmp_path, groups=[])  # the next invocation's plan
    proc = train_in_plan(tmp_path, "nas_dqn", 1)
    assert proc.returncode == 0 and "of an earlier invocation; copying it out" in proc.stderr and "episode" not in proc.stderr, proc.stderr
    assert (tmp_path / "group/nas_dqn/episodes.csv").read_bytes() == staged and not (tmp_path / "plan/g1").exists()


def test_version_and_config_overlays_and_set_on_the_command_line():
    import nasdqn

    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"nasdqn {nasdqn.__version__}"
    paper = run_cli("plan", "--config", str(REPO / "config/config.yaml")).stdout.split()
    five = run_cli("plan", "--config", str(REPO / "config/config.yaml"), "--config", str(REPO / "config/overlays/seeds.yaml")).stdout.split()
    assert len(paper) == 15 and len(five) == 25 and set(paper) <= set(five)  # the overlay's seeds 0-2 are the paper's runs
    changed = run_cli("plan", "--config", str(REPO / "config/config.yaml"), "--set", "dqn.learning_rate=0.002").stdout.split()
    assert len(changed) == 15 and not set(changed) & set(paper)  # a learner key: every run is new
    proc = run_cli("train", "--config", SMOKE, "--set", "dqn.batch_size=-3", "--agent", "fixed_small", "--seed", "0", "--out", "/tmp/x")
    assert proc.returncode == 2 and "--set dqn.batch_size=-3: config key 'dqn.batch_size': expected a positive integer" in proc.stderr
    proc = run_cli("check-config", str(REPO / "config/config.yaml"), "--set", "nas.top_k=three")
    assert proc.returncode == 2 and "'nas.top_k'" in proc.stderr


def test_cli_parser_requires_agent_and_seed():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--config", "x.yaml"])
