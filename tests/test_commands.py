"""The commands (nasdqn/commands/*, nasdqn/cli.py) called in process through `nasdqn.cli.main`: every
command parses its arguments and names what is missing; plan, check-config, schema, config-doc,
groups, floor, headroom, reread, evaluate and render on a happy path; the shared arguments
(nasdqn/commands/common.py) and bad values with a clear error and exit status 2."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import REPO, SHORT_ENV, SMOKE
from nasdqn.cli import COMMANDS, main
from nasdqn.jobs.policy import Policy, save_policy
from nasdqn.jobs.results import csv_text
from nasdqn.learning.network import init_params
from nasdqn.settings.config import analysis_settings, load, resolved_agent_config, validate
from nasdqn.settings.identity import digest
from nasdqn.settings.plan import study_plan
from nasdqn.settings.space import Architecture
from nasdqn.settings.workflow import planned_groups
from nasdqn.tasks import TaskSettings, make_task
from nasdqn.tasks.evaluation import eval_generator
from nasdqn.tasks.floor import FLOOR_COLUMNS, floor_rows

SMOKE_FILE = str(REPO / "config/smoke.yaml")


def run(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


# ----- parsing ------------------------------------------------------------------------------------
REQUIRED = {
    "train": "the following arguments are required: --agent, --seed, --out",
    "aggregate": "one of the arguments --config --analysis-json is required",
    "figure": "the following arguments are required: --name",
    "report": "one of the arguments --config --analysis-json is required",
    "evaluate": "the following arguments are required: --policy",
    "render": "the following arguments are required: --policy, --out",
    "sensitivity": "the following arguments are required: --variants-json",
    "floor": "one of the arguments --config --analysis-json is required",
    "plan": "one of the arguments --config is required",
    "groups": "the following arguments are required: --config-json, --out",
    "check-config": "the following arguments are required: config",
    "verify": "the following arguments are required: RESULTS",
    "manifest": "the following arguments are required: RESULTS",
    "mechanism": "the following arguments are required: --study, --out",
    "headroom": "the following arguments are required: --screen, --out",
    "fairtest": "the following arguments are required: --study, --out",
    "reread": "the following arguments are required: --out",
    "pilot": "the following arguments are required: --pilot, --out",
    "publish": "the following arguments are required: --config, --out",
}
NO_REQUIRED = {"schema", "config-doc", "readme"}  # these run without arguments (tested below, or in test_readme.py)


def test_every_command_is_listed_with_its_help(capsys):
    assert set(REQUIRED) | NO_REQUIRED == set(COMMANDS)
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0 and all(name in out for name in COMMANDS)
    with pytest.raises(SystemExit) as exit_:
        main([])
    assert exit_.value.code == 2 and "the following arguments are required: command" in capsys.readouterr().err


@pytest.mark.parametrize("command", sorted(REQUIRED))
def test_a_command_without_its_required_arguments_names_them(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command])
    assert exit_.value.code == 2 and f"python -m nasdqn {command}: error: {REQUIRED[command]}" in capsys.readouterr().err


def test_an_interrupted_command_exits_130(monkeypatch, capsys):
    import nasdqn.commands.schema

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(nasdqn.commands.schema, "run", interrupted)
    assert run(capsys, "schema")[::2] == (130, "interrupted\n")


# ----- the study's plan and config -------------------------------------------------------------------
def test_plan_lists_the_runs_their_targets_and_some_seeds(capsys):
    runs = study_plan(validate(SMOKE)).unique_runs()
    rc, out, _ = run(capsys, "plan", "--config", SMOKE_FILE)
    assert rc == 0 and out.splitlines() == [str(r.dir) for r in runs] and len(runs) == 10
    rc, out, _ = run(capsys, "plan", "--config", SMOKE_FILE, "--targets", "--seeds", "1")
    assert rc == 0 and out.splitlines() == [f"{r.dir}/run.json" for r in runs if r.seed == 1]


def test_check_config_says_valid_prints_the_complete_config_and_notes_shared_streams(capsys, tmp_path):
    rc, out, _ = run(capsys, "check-config", SMOKE_FILE)
    assert (rc, out) == (0, f"{SMOKE_FILE}: valid (5 agents, 2 seeds)\n")
    rc, out, _ = run(capsys, "check-config", SMOKE_FILE, "--print", "--set", "dqn.gamma=0.9")
    assert rc == 0 and yaml.safe_load(out) == load(SMOKE_FILE, ["dqn.gamma=0.9"]) and yaml.safe_load(out)["dqn"]["gamma"] == 0.9
    twin = tmp_path / "twin.yaml"
    twin.write_text("agents:\n  nas_twin: {label: NAS twin, controller: nas}\n")
    rc, out, _ = run(capsys, "check-config", SMOKE_FILE, str(twin))
    assert rc == 0 and "valid (6 agents, 2 seeds)" in out
    assert "note: nas_dqn and nas_twin draw their architecture picks from one stream" in out
    rc, _, err = run(capsys, "check-config", SMOKE_FILE, "--set", "nas.top_k=three")
    assert rc == 2 and err.startswith("error: --set nas.top_k=three: config key 'nas.top_k'")


@pytest.mark.parametrize("command, committed", [("schema", "workflow/schemas/config.schema.yaml"), ("config-doc", "config/README.md")])
def test_the_generated_files_are_what_their_command_writes(command, committed, capsys, tmp_path):
    rc, out, _ = run(capsys, command)
    assert rc == 0 and out == (REPO / committed).read_text()
    assert run(capsys, command, "--out", str(tmp_path / "f"))[:2] == (0, "")
    assert (tmp_path / "f").read_bytes() == (REPO / committed).read_bytes()


def test_groups_writes_the_training_groups_and_refuses_a_changed_plan(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no results/ here: every run is still to train
    cfg = validate(SMOKE)
    expected = planned_groups(cfg)
    rc, out, _ = run(capsys, "groups", "--config-json", json.dumps(cfg), "--out", "g.json", "--expect", digest(expected, "group"))
    assert rc == 0 and json.loads((tmp_path / "g.json").read_text()) == expected
    sizes = sorted((len(g["members"]) for g in expected["groups"]), reverse=True)
    assert out == f"g.json: {len(sizes)} training group(s) of 10 run(s) (sizes {sizes})\n"
    rc, _, err = run(capsys, "groups", "--config-json", json.dumps(cfg), "--out", "h.json", "--expect", "000000000000")
    assert rc == 2 and "--expect 000000000000: the runs still to train changed" in err and not (tmp_path / "h.json").exists()
    rc, _, err = run(capsys, "groups", "--config-json", "{nope", "--out", "h.json")
    assert rc == 2 and "error: --config-json: not valid JSON" in err


# ----- the analysis commands' shared arguments (commands/common.py) -------------------------------------
ANALYSIS = json.dumps(analysis_settings(validate(SMOKE)))


@pytest.mark.parametrize("args, message", [
    (["--analysis-json", "{nope"], "--analysis-json: not valid JSON"),
    (["--analysis-json", ANALYSIS], "--run-dirs: needed with --analysis-json (or give --config to read the workflow's runs)"),
    (["--analysis-json", ANALYSIS, "--run-dirs", "[[1]]"], "--run-dirs: expected a JSON list of [agent, seed, directory]"),
])
def test_aggregate_names_a_bad_source_of_settings_or_runs(args, message, capsys, tmp_path):
    rc, _, err = run(capsys, "aggregate", *args, "--out-dir", str(tmp_path / "m"))
    assert rc == 2 and message in err and not (tmp_path / "m").exists()


@pytest.mark.parametrize("command, args", [
    ("aggregate", ["--analysis-json", ANALYSIS, "--out-dir", "m"]),
    ("floor", ["--analysis-json", ANALYSIS, "--out", "f.csv"]),
    ("train", ["--config-json", json.dumps(resolved_agent_config(SMOKE, "fixed_small")), "--agent", "fixed_small", "--seed", "0", "--out", "o"]),
])
def test_a_set_without_config_is_refused_not_ignored(command, args, capsys, tmp_path, monkeypatch):
    """--set changes the settings of --config; with the JSON the workflow passes it used to be ignored silently."""
    monkeypatch.chdir(tmp_path)
    rc, _, err = run(capsys, command, *args, "--set", "dqn.gamma=0.5")
    assert rc == 2 and "error: --set: needs --config (the settings a --set changes)" in err and not any(tmp_path.iterdir())


def test_a_study_with_variants_needs_one_of_them(capsys, tmp_path):
    cfg = {**SMOKE, "variants": {"base": {}, "inherit": {"nas": {"transition": "inherit"}}}}
    (tmp_path / "v.yaml").write_text(yaml.safe_dump(cfg))
    rc, _, err = run(capsys, "aggregate", "--config", str(tmp_path / "v.yaml"), "--variant", "other", "--out-dir", str(tmp_path / "m"))
    assert rc == 2 and "--variant: expected one of base, inherit for this config, got 'other'" in err


def test_sensitivity_names_bad_variants_json(capsys, tmp_path):
    rc, _, err = run(capsys, "sensitivity", "--config", SMOKE_FILE, "--variants-json", "[1, 2]", "--out-dir", str(tmp_path))
    assert rc == 2 and "--variants-json: expected a JSON list of [name, results root, overrides]" in err


def test_floor_writes_the_tasks_floor_on_every_seed(capsys, tmp_path):
    assert run(capsys, "floor", "--config", SMOKE_FILE, "--out", str(tmp_path / "floor.csv"))[0] == 0
    p = SMOKE["protocol"]
    task = make_task(TaskSettings.from_config(SMOKE["env"]))
    assert (tmp_path / "floor.csv").read_text() == csv_text(FLOOR_COLUMNS, floor_rows(task, p["seeds"], p["eval_episodes"]))
    assert len(pd.read_csv(tmp_path / "floor.csv")) == 4 * len(p["seeds"])


# ----- the fair test's and the mechanism study's commands ------------------------------------------------
@pytest.mark.parametrize("command, flag", [("headroom", "--screen"), ("pilot", "--pilot"), ("fairtest", "--study"), ("fairtest", "--oracle")])
def test_task_config_pairs_must_be_task_equals_config(command, flag, capsys, tmp_path):
    args = [command, flag, "CartPole-v1", "--out", str(tmp_path / "out")]
    if flag == "--oracle":
        args += ["--study", f"CartPole-v1={SMOKE_FILE}"]
    rc, _, err = run(capsys, *args)
    assert rc == 2 and f"error: {flag}: expected TASK=CONFIG, got 'CartPole-v1'" in err and not (tmp_path / "out").exists()


def test_headroom_screens_a_study_with_the_oracle(aggregated, capsys, tmp_path):
    rc, out, _ = run(capsys, "headroom", "--screen", f"Fake={aggregated / 'cfg.yaml'}", "--results", str(aggregated / "results"),
                     "--out", str(tmp_path / "h.csv"))
    row = pd.read_csv(tmp_path / "h.csv").iloc[0]
    cfg = load(aggregated / "cfg.yaml")
    low, high = cfg["analysis"]["return_range"]
    assert rc == 0 and (row["task"], row["outcome"]) == ("Fake", "greedy_final") and row["best"].startswith("arch_")
    assert row["margin"] == pytest.approx(cfg["analysis"]["return_margin"] * (high - low))
    assert row["gain"] == pytest.approx(row["best_held_out"] - row["median_held_out"])
    assert row["threshold"] == pytest.approx(row["factor"] * row["margin"]) and row["passes"] == (row["gain"] >= row["threshold"])
    assert out.startswith(f"Fake: best {row['best']} (seeds 0-1 {row['best_selection']:.1f})")


def test_reread_from_the_committed_table_writes_the_committed_files(capsys, tmp_path):
    rc, _, _ = run(capsys, "reread", "--config", str(REPO / "config/mechanism/acrobot.yaml"), "--per-run",
                   str(REPO / "studies/mechanism/per_run.csv"), "--out", str(tmp_path))
    written = sorted(p.name for p in tmp_path.iterdir())
    assert rc == 0 and written == ["seed_unit.csv", "stratified.csv", "variance_shares.csv"]
    for name in written:
        assert (tmp_path / name).read_bytes() == (REPO / "studies/mechanism/reread" / name).read_bytes(), name


# ----- a saved policy ---------------------------------------------------------------------------------------
@pytest.fixture
def policy_file(tmp_path):
    arch = Architecture(2, 32, "tanh")
    path = tmp_path / "policy.pt"
    save_policy(path, arch, init_params(arch, np.random.default_rng(0)), {"agent": "a", "seed": 4, **make_task(SHORT_ENV).policy_meta()})
    return path


def test_evaluate_reports_the_greedy_return_on_the_seeds_evaluation_stream(policy_file, capsys):
    arch = Architecture(2, 32, "tanh")
    q = Policy(arch, init_params(arch, np.random.default_rng(0))).q_values
    for extra, seed in (([], 4), (["--seed", "1"], 1)):  # the policy's own seed, or the one asked for
        returns = make_task(SHORT_ENV).greedy_returns(q, eval_generator(seed), 2)
        rc, out, _ = run(capsys, "evaluate", "--policy", str(policy_file), "--episodes", "2", *extra)
        assert rc == 0 and f"(evaluation stream of seed {seed}): mean {float(returns.mean())!r} min {float(returns.min())!r}" in out
    for args, message in ((["--episodes", "0"], "--episodes: expected a positive integer, got 0"),
                          (["--seed", "-2"], "--seed: expected a non-negative integer, got -2")):
        rc, _, err = run(capsys, "evaluate", "--policy", str(policy_file), *args)
        assert rc == 2 and message in err


def test_render_draws_one_greedy_episode(policy_file, capsys, tmp_path):
    rc, out, _ = run(capsys, "render", "--policy", str(policy_file), "--out", str(tmp_path / "p.gif"))
    assert rc == 0 and (tmp_path / "p.gif").read_bytes()[:4] == b"GIF8" and "from the first evaluation start of seed 4" in out
    rc, _, err = run(capsys, "render", "--policy", str(tmp_path / "none.pt"), "--out", str(tmp_path / "q.gif"))
    assert rc == 2 and str(tmp_path / "none.pt") in err and not (tmp_path / "q.gif").exists()


# ----- train's own flags --------------------------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (["--config", SMOKE_FILE, "--progress-every", "0"], "--progress-every: expected a positive integer, got 0"),
    (["--config", SMOKE_FILE, "--checkpoint-every", "-1"], "--checkpoint-every: expected a positive integer, got -1"),
    (["--config-json", "{nope"], "--config-json: not valid JSON"),
])
def test_train_refuses_bad_flags_before_training(args, message, capsys, tmp_path):
    rc, _, err = run(capsys, "train", *args, "--agent", "fixed_small", "--seed", "0", "--out", str(tmp_path / "o"))
    assert rc == 2 and message in err and not (tmp_path / "o").exists()


def test_a_run_of_a_training_group_takes_one_seed(capsys, tmp_path):
    members = [{"dir": str(tmp_path / f"s{s}"), "seed": s, "settings": {}} for s in (0, 1)]
    (tmp_path / "groups.json").write_text(json.dumps({"groups": [{"id": "g", "members": members}]}))
    rc, _, err = run(capsys, "train", "--config", SMOKE_FILE, "--agent", "fixed_small", "--seed", "0", "--seed", "1",
                     "--out", str(tmp_path / "s0"), "--group-plan", str(tmp_path / "groups.json"))
    assert rc == 2 and "--group-plan: a run of a training group takes exactly one --seed" in err
