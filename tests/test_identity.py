"""Run identity (nasdqn/settings/identity.py, resolve.py): runs live in
results/runs/{agent}/{settings digest}/seed{seed}, and those digests never move.

The pinned digests below were computed with 0.2.0's code (commit 09f0580), before the settings
table gained defaults: every run trained since keeps its directory."""
from __future__ import annotations

import copy

import jsonschema
import pytest

from conftest import PAPER, REPO
from nasdqn.settings import config
from nasdqn.settings.config import load, validate
from nasdqn.settings.identity import run_id
from nasdqn.settings.plan import study_plan
from nasdqn.settings.resolve import resolved_agent_config
from nasdqn.settings.schema import json_schema
from nasdqn.settings.table import SECTIONS, Setting

PAPER_RUNS = ["fixed_large/d9aae1b53d", "fixed_medium/875fb5b55b", "fixed_small/a80f891475", "nas_dqn/c90a6766d1",
              "random_nas/1f812854dc"]
ACROBOT_MECHANISM_RUNS = [
    "arch_2x128_leaky_relu/4c1f7d6b26", "arch_2x128_relu/5dffcda92a", "arch_2x128_tanh/d2d390f220", "arch_2x32_leaky_relu/1c706eea5c",
    "arch_2x32_relu/98fa2f017f", "arch_2x32_tanh/1ddca052ec", "arch_2x64_leaky_relu/ca63039ce4", "arch_2x64_relu/499a2b041a",
    "arch_2x64_tanh/7449f33390", "arch_3x128_leaky_relu/de5b85afa4", "arch_3x128_relu/794ee10c7c", "arch_3x128_tanh/57933e0b63",
    "arch_3x32_leaky_relu/ea3bdba5fa", "arch_3x32_relu/c8cd6b873a", "arch_3x32_tanh/a731f992e6", "arch_3x64_leaky_relu/bc227e5834",
    "arch_3x64_relu/801f252462", "arch_3x64_tanh/f90525ae38", "arch_4x128_leaky_relu/051ed87c22", "arch_4x128_relu/52d2042eb3",
    "arch_4x128_tanh/fb4db052f0", "arch_4x32_leaky_relu/89e072cfdd", "arch_4x32_relu/367e5f5bf1", "arch_4x32_tanh/e56fb4fc04",
    "arch_4x64_leaky_relu/e6c74aeba0", "arch_4x64_relu/bb5905901b", "arch_4x64_tanh/3c27ecf6b1", "matched_random/58dcb2c761",
    "matched_random/8dca694ee7", "matched_random/a923ad84de", "matched_random/aec6373f0e", "matched_random/d1ae07376b",
    "matched_random/dd3e79b28a", "nas_dqn/7c6c318195", "nas_dqn/a162451646", "nas_dqn/c7a3b599ed", "nas_dqn/cc77b77716",
    "nas_dqn/e5a549562c", "nas_dqn/fc265c2e96", "random_nas/12eafabfea", "random_nas/3eacbe227d", "random_nas/42ea34ed0d",
    "random_nas/8558121393", "random_nas/8ca173da81", "random_nas/96f9bf2568"]


def run_ids(cfg: dict) -> list[str]:
    return sorted(study_plan(cfg).settings)


@pytest.mark.parametrize("path, pinned", [("config/config.yaml", PAPER_RUNS),
                                          ("config/mechanism/acrobot.yaml", ACROBOT_MECHANISM_RUNS)])
def test_the_digests_of_shipped_configs_never_move(path, pinned):
    assert run_ids(load(REPO / path)) == pinned


def test_a_config_that_omits_default_keys_names_the_same_runs():
    """The paper protocol with only what the table's defaults do not give: roles and agents."""
    assert run_ids(validate({"roles": PAPER["roles"], "agents": PAPER["agents"]})) == PAPER_RUNS


def test_a_new_key_at_its_default_renames_no_run(monkeypatch):
    """A key added to the table later, at a default that reproduces the old behaviour, is left out
    of every run's settings (and so out of the digest); set to another value, it is recorded."""
    monkeypatch.setitem(SECTIONS, "nas", {**SECTIONS["nas"], "commit_windows": Setting(
        {"type": "integer", "minimum": 0}, "an integer >= 0", "a future key", 0, int, ("nas",))})
    monkeypatch.setattr(config, "_VALIDATOR", jsonschema.Draft202012Validator(json_schema()))  # as an import would build it
    assert run_ids(load(REPO / "config/config.yaml")) == PAPER_RUNS
    cfg = copy.deepcopy(PAPER)
    cfg["agents"]["nas_dqn"]["nas"] = {"commit_windows": 2}
    changed = resolved_agent_config(validate(cfg), "nas_dqn")
    assert changed["nas"]["commit_windows"] == 2
    assert set(run_ids(validate(cfg))) - set(PAPER_RUNS) == {run_id(changed)}  # only NAS-DQN's runs are new


def test_a_key_only_another_controller_reads_is_not_in_a_runs_settings():
    cfg = load(REPO / "config/config.yaml")
    fixed, random_nas, nas = (resolved_agent_config(cfg, a)["nas"] for a in ("fixed_small", "random_nas", "nas_dqn"))
    assert set(fixed) == {"arch_update_interval", "score_window"}
    assert "keep_probability" in random_nas and "top_k" not in random_nas and "transition" in random_nas
    assert "top_k" in nas and "keep_probability" not in nas
    assert "restart_epsilon" not in nas  # exploration_after_transition: continue
    assert "distill_steps" not in nas  # transition: reinit
    assert "prune_keep_fraction" in nas  # memory_pruning: keep_recent


def test_resolved_settings_written_by_hand_are_brought_to_normal_form():
    """--config-json with an omitted key, or a key the run does not read, is the same run."""
    from nasdqn.settings.config import validate_resolved

    resolved = resolved_agent_config(load(REPO / "config/config.yaml"), "fixed_small")
    by_hand = copy.deepcopy(resolved)
    del by_hand["dqn"]["gamma"]
    by_hand["nas"]["top_k"] = 3  # only NAS-DQN reads it
    assert validate_resolved(by_hand) == resolved and validate_resolved(resolved) == resolved


def test_learner_options_at_their_defaults_are_not_recorded_and_minus_one_is_train_freq():
    """dqn.gradient_steps and dqn.grad_clip_mode came after 0.2.0: at 1 and element they are not
    in a run's settings (the pinned digests above hold); -1 resolves to dqn.train_freq, so a
    config with -1 and one with the number it stands for are one run."""
    cfg = copy.deepcopy(PAPER)
    plain = resolved_agent_config(validate(cfg), "fixed_small")
    assert "gradient_steps" not in plain["dqn"] and "grad_clip_mode" not in plain["dqn"]
    cfg["dqn"].update(gradient_steps=-1, grad_clip_mode="global_norm")
    zoo = resolved_agent_config(validate(cfg), "fixed_small")
    assert zoo["dqn"]["gradient_steps"] == 4 and zoo["dqn"]["grad_clip_mode"] == "global_norm"
    cfg["dqn"]["gradient_steps"] = 4
    assert resolved_agent_config(validate(cfg), "fixed_small") == zoo != plain
    cfg["dqn"].update(gradient_steps=-1, train_freq=1, grad_clip_mode="element")
    assert "gradient_steps" not in resolved_agent_config(validate(cfg), "fixed_small")["dqn"]  # -1 at train_freq 1 is the default
