"""Configs (nasdqn/settings/config.py): the shipped ones are valid and the paper protocol's values
are the table's defaults; every bad value is rejected with a message naming the key (also
property-based, with hypothesis); overlays and --set keys."""
import copy
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PAPER, REPO, SMOKE
from nasdqn.settings.config import ConfigError, load, resolved_agent_config, validate


def test_shipped_configs_are_valid():
    for name in ("config.yaml", "smoke.yaml"):
        load(REPO / "config" / name)


@pytest.mark.parametrize(
    "path, value, key",
    [
        (("protocol", "episodes"), 0, "protocol.episodes"),
        (("protocol", "episodes"), 2.5, "protocol.episodes"),
        (("protocol", "seeds"), [0, 0, 1], "protocol.seeds"),
        (("protocol", "seeds"), [], "protocol.seeds"),
        (("dqn", "gamma"), 1.5, "dqn.gamma"),
        (("dqn", "optimizer"), "rmsprop", "dqn.optimizer"),
        (("dqn", "learning_rate"), -1e-3, "dqn.learning_rate"),
        (("nas", "epsilon_start"), -0.1, "nas.epsilon_start"),
        (("nas", "arch_update_interval"), 0, "nas.arch_update_interval"),
        (("nas", "transition"), "magic", "nas.transition"),
        (("nas", "initial_architecture"), "5x64-relu", "nas.initial_architecture"),
        (("env", "initial_state"), "upside_down", "env.initial_state"),
        (("agents", "fixed_small", "architecture", "activation"), "swish", "agents.fixed_small.architecture.activation"),
        (("agents", "fixed_large", "architecture", "layers"), 7, "agents.fixed_large.architecture.layers"),
        (("agents", "nas_dqn", "controller"), "oracle", "agents.nas_dqn.controller"),
    ],
)
def test_bad_values_name_the_key(path, value, key):
    cfg = copy.deepcopy(PAPER)
    node = cfg
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    with pytest.raises(ConfigError, match=re.escape(key)):
        validate(cfg)


def test_omitted_keys_take_their_defaults_and_required_ones_are_named():
    cfg = copy.deepcopy(PAPER)
    del cfg["dqn"]["batch_size"], cfg["env"]
    assert validate(cfg)["dqn"]["batch_size"] == 64 and validate(cfg)["env"] == PAPER["env"]
    assert resolved_agent_config(cfg, "nas_dqn") == resolved_agent_config(PAPER, "nas_dqn")
    with pytest.raises(ConfigError, match=r"key 'roles' is missing"):
        validate({"agents": PAPER["agents"]})
    cfg = copy.deepcopy(PAPER)
    del cfg["roles"]["fixed"]
    with pytest.raises(ConfigError, match=r"'roles.fixed' is missing; expected a list of agent names"):
        validate(cfg)
    cfg = copy.deepcopy(PAPER)
    del cfg["agents"]["nas_dqn"]["controller"]
    with pytest.raises(ConfigError, match=r"'agents.nas_dqn.controller' is missing"):
        validate(cfg)


def test_unknown_keys_are_named():
    cfg = copy.deepcopy(PAPER)
    cfg["dqn"]["batchsize"] = 3
    with pytest.raises(ConfigError, match=r"dqn.batchsize.*unknown"):
        validate(cfg)


def test_a_gymnasium_task_gets_no_pendulum_keys():
    cfg = copy.deepcopy(PAPER)
    cfg["env"] = {"id": "CartPole-v1"}
    assert validate(cfg)["env"] == {"id": "CartPole-v1", "max_episode_steps": None, "observation_scale": None}
    assert "initial_state" not in resolved_agent_config(cfg, "fixed_small")["env"]
    cfg["agents"]["fixed_small"]["env"] = {"id": "nasdqn/InvertedPendulum-v0"}  # the pendulum's keys apply to it alone
    assert resolved_agent_config(cfg, "fixed_small")["env"]["initial_theta_high"] == 0.05


def test_the_table_defaults_are_the_paper_protocol():
    """config/config.yaml spells out the paper protocol; every value it gives is the table's default."""
    from nasdqn.settings.table import SECTIONS

    for section, table in SECTIONS.items():
        for key, value in PAPER[section].items():
            assert value == table[key].default, f"{section}.{key}: config/config.yaml {value!r}, table {table[key].default!r}"


def test_agent_override_changes_only_that_agent():
    cfg = copy.deepcopy(PAPER)
    cfg["agents"]["fixed_medium"]["dqn"] = {"learning_rate": 0.01}
    validate(cfg)
    assert resolved_agent_config(cfg, "fixed_medium")["dqn"]["learning_rate"] == 0.01
    assert resolved_agent_config(cfg, "fixed_small") == resolved_agent_config(PAPER, "fixed_small")
    cfg["protocol"]["seeds_per_job"] = 3  # execution only: no training rerun
    assert resolved_agent_config(cfg, "fixed_small") == resolved_agent_config(PAPER, "fixed_small")


def test_unknown_agent():
    with pytest.raises(ConfigError, match="unknown agent 'fixed_huge'"):
        resolved_agent_config(PAPER, "fixed_huge")


def test_semantic_checks():
    cfg = copy.deepcopy(PAPER)
    cfg["nas"]["score_window"] = 500
    with pytest.raises(ConfigError, match="nas.score_window"):
        validate(cfg)


def test_non_finite_numbers_are_rejected_with_the_key():
    cfg = copy.deepcopy(PAPER)
    cfg["protocol"]["success_threshold"] = float("nan")
    with pytest.raises(ConfigError, match="protocol.success_threshold.*finite"):
        validate(cfg)


def test_config_files_overlay_in_order_and_set_keys_come_last(tmp_path):
    """Several files merge as Snakemake merges --configfile files (mappings key by key, lists
    replaced), then --set keys, read as YAML, validated by the same schema."""
    from nasdqn.settings.config import overlay

    assert overlay({"a": {"b": 1, "c": [1, 2]}}, {"a": {"c": [3]}, "d": 4}) == {"a": {"b": 1, "c": [3]}, "d": 4}
    top = tmp_path / "top.yaml"
    top.write_text("dqn:\n  learning_rate: 0.003\nprotocol:\n  seeds: [5]\n")
    cfg = load([REPO / "config/config.yaml", top], ["dqn.gamma=0.9", "agents.nas_dqn.nas.transition=inherit"])
    assert (cfg["dqn"]["learning_rate"], cfg["dqn"]["gamma"], cfg["protocol"]["seeds"]) == (0.003, 0.9, [5])
    assert cfg["dqn"]["batch_size"] == 64 and cfg["agents"]["nas_dqn"]["nas"] == {"transition": "inherit"}
    assert load(REPO / "config/config.yaml", ["protocol.seeds=[3, 4]"])["protocol"]["seeds"] == [3, 4]  # YAML-typed


@pytest.mark.parametrize("item, message", [
    ("dqn.learning_rate=abc", "--set dqn.learning_rate=abc: config key 'dqn.learning_rate': expected a number > 0, got 'abc'"),
    ("dqn.lerning_rate=0.1", "--set dqn.lerning_rate=0.1: config key 'dqn.lerning_rate': unknown key"),
    ("dqn.learning_rate", "--set dqn.learning_rate: expected KEY=VALUE"),
    ("protocol.seeds.first=3", "--set protocol.seeds.first=3: 'protocol.seeds' is not a mapping"),
    ("dqn.learning_starts=8", "--set dqn.learning_starts=8: config key 'dqn.learning_starts': expected at least dqn.batch_size"),
])
def test_a_bad_set_names_itself_and_the_key(item, message):
    with pytest.raises(ConfigError) as err:
        load(REPO / "config/config.yaml", [item])
    assert str(err.value).startswith(message), str(err.value)


def test_an_overlay_alone_is_not_a_study_and_the_error_names_the_files(tmp_path):
    with pytest.raises(ConfigError, match=r"config file .*seeds.yaml: config key 'roles' is missing"):
        load(REPO / "config/overlays/seeds.yaml")
    with pytest.raises(ConfigError, match=r"config .*config.yaml \+ .*bad.yaml: config key 'dqn.gamma'"):
        (tmp_path / "bad.yaml").write_text("dqn: {gamma: 2}\n")
        load([REPO / "config/config.yaml", tmp_path / "bad.yaml"])


def key_paths(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield prefix + (k,)
            yield from key_paths(v, prefix + (k,))


PATHS = list(key_paths(SMOKE))

JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8), st.lists(st.integers(-3, 3), max_size=4), st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def mutate(cfg, path, value, delete):
    node = cfg
    for p in path[:-1]:
        node = node[p]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value


@settings(max_examples=150, deadline=None)
@given(path=st.sampled_from(PATHS), value=JUNK, delete=st.booleans())
def test_malformed_config_is_rejected_with_the_key(path, value, delete):
    cfg = copy.deepcopy(SMOKE)
    mutate(cfg, path, value, delete)
    try:
        validate(cfg)
    except ConfigError as exc:
        msg = str(exc)
        assert "config key" in msg or "unknown agent" in msg
        named = [p for p in path if isinstance(p, str)]
        assert any(p in msg for p in named) or "agents" in msg, msg
    # anything else (TypeError, KeyError, ...) propagates and fails the test


def test_a_yoked_agent_shares_its_partners_windows_and_commit_phase():
    cfg = load(REPO / "config/fairtest/pilot_cartpole.yaml")
    raw = {k: copy.deepcopy(v) for k, v in cfg.items()}
    raw["agents"]["yoked"]["nas"] = {"commit_at": 0.7}
    with pytest.raises(ConfigError, match=r"nas.commit_at': expected its partner 'nas_dqn'.s value 0.5"):
        validate(raw)
    raw["agents"]["yoked"]["nas"] = {"arch_update_interval": 12340}
    with pytest.raises(ConfigError, match=r"nas.arch_update_interval'"):
        validate(raw)
