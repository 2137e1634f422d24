"""The study plan (nasdqn/settings/plan.py): which runs are distinct, and where they live."""
import copy

import pytest

from conftest import SMOKE
from nasdqn.settings.config import ConfigError, resolved_agent_config, validate
from nasdqn.settings.plan import study_plan


def with_variants(variants: dict) -> dict:
    cfg = copy.deepcopy(SMOKE)
    cfg["variants"] = variants
    return validate(cfg)


def test_plain_study_has_one_root_and_one_run_per_agent_and_seed():
    plan = study_plan(validate(copy.deepcopy(SMOKE)))
    assert plan.roots == {None: "results"} and not plan.has_variants
    runs = plan.runs[None]
    assert len(runs) == len(SMOKE["agents"]) * len(SMOKE["protocol"]["seeds"])
    assert all(str(r.dir).startswith(f"results/runs/{r.agent}/") and str(r.dir).endswith(f"/seed{r.seed}") for r in runs)


def test_nas_only_variant_shares_every_run_of_the_other_agents():
    plan = study_plan(with_variants({"base": {}, "best": {"nas": {"revisit_score": "best"}}}))
    base, best = ({(r.agent, r.seed): r.run_id for r in plan.runs[v]} for v in ("base", "best"))
    for (agent, seed), run_id in base.items():
        assert (best[(agent, seed)] == run_id) == (agent != "nas_dqn"), agent  # the selection rule: NAS-DQN only
    assert len(plan.unique_runs()) == 5 * 2 + 2


def test_transition_variant_changes_both_searching_agents_only():
    plan = study_plan(with_variants({"base": {}, "inherit": {"nas": {"transition": "inherit"}}}))
    changed = {r.agent for r in plan.runs["inherit"]} - {r.agent for r in plan.runs["inherit"]
                                                         if r.run_id in {b.run_id for b in plan.runs["base"]}}
    assert changed == {"random_nas", "nas_dqn"}


def test_the_plain_study_and_a_variant_study_share_runs():
    plain = {(r.run_id, r.seed) for r in study_plan(validate(copy.deepcopy(SMOKE))).unique_runs()}
    variant = {(r.run_id, r.seed) for r in study_plan(with_variants({"base": {}, "x": {"nas": {"top_k": 3}}})).unique_runs()}
    assert plain <= variant


def test_variant_layers_merge_in_order():
    cfg = copy.deepcopy(SMOKE)
    cfg["agents"]["fixed_small"]["dqn"] = {"learning_rate": 0.002}
    cfg["variants"] = {"v": {"dqn": {"learning_rate": 0.003, "gamma": 0.9}, "agents": {"fixed_small": {"dqn": {"gamma": 0.95}}}}}
    validate(cfg)
    r = resolved_agent_config(cfg, "fixed_small", "v")["dqn"]
    assert (r["learning_rate"], r["gamma"]) == (0.002, 0.95)  # agent beats variant; the variant's agent entry beats both
    assert resolved_agent_config(cfg, "fixed_medium", "v")["dqn"]["learning_rate"] == 0.003


@pytest.mark.parametrize("variants, key", [
    ({"v": {"nas": {"transition": "teleport"}}}, "variants.v.nas.transition"),
    ({"v": {"agents": {"ghost": {"nas": {"top_k": 2}}}}}, "variants.v.agents.ghost"),
    ({"v": {"protocol": {"episodes": 3}}}, "variants.v.protocol"),
    ({"bad name": {}}, "bad name"),
])
def test_bad_variants_are_rejected_with_the_key(variants, key):
    cfg = copy.deepcopy(SMOKE)
    cfg["variants"] = variants
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        validate(cfg)


def test_the_oracle_switch_adds_the_27_architectures_as_fixed_agents():
    cfg = copy.deepcopy(SMOKE)
    cfg["protocol"]["oracle"] = True
    cfg = validate(cfg)
    oracle = [a for a in cfg["agents"] if a.startswith("arch_")]
    assert len(oracle) == 27 and "arch_2x32_relu" in oracle and "arch_4x128_leaky_relu" in oracle
    assert cfg["agents"]["arch_3x64_tanh"] == {"label": "3x64 tanh", "controller": "fixed",
                                               "architecture": {"layers": 3, "units": 64, "activation": "tanh"}}
    from nasdqn.settings.config import analysis_settings
    assert analysis_settings(cfg)["oracle"] == oracle and len(study_plan(cfg).unique_runs()) == (5 + 27) * 2
    clash = copy.deepcopy(SMOKE)
    clash["protocol"]["oracle"] = True
    clash["agents"]["arch_2x32_relu"] = {"controller": "fixed", "architecture": {"layers": 3, "units": 64, "activation": "relu"}}
    with pytest.raises(ConfigError, match="arch_2x32_relu"):
        validate(clash)


def test_a_named_study_has_its_own_root_and_shares_the_runs():
    cfg = copy.deepcopy(SMOKE)
    cfg["protocol"]["study"] = "demo"
    plan = study_plan(validate(cfg))
    assert plan.roots == {None: "results/studies/demo"}
    assert {str(r.dir) for r in plan.unique_runs()} == {str(r.dir) for r in study_plan(validate(copy.deepcopy(SMOKE))).unique_runs()}
    v = with_variants({"a": {}})
    v["protocol"]["study"] = "demo"
    assert study_plan(validate(v)).roots == {"a": "results/studies/demo/variants/a"}


def test_the_matched_random_control_must_be_a_random_agent():
    cfg = copy.deepcopy(SMOKE)
    cfg["roles"]["matched_random"] = "fixed_small"
    with pytest.raises(ConfigError, match="roles.matched_random"):
        validate(cfg)
