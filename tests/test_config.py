"""Config validation: every bad value is rejected with a message naming the key."""
import copy
import re
import tomllib

import pytest
import yaml

from conftest import REPO
from nasdqn.cli import build_parser
from nasdqn.settings.config import ConfigError, json_schema, load, resolved_agent_config, validate

PAPER = yaml.safe_load((REPO / "config/config.yaml").read_text())


def test_shipped_configs_are_valid():
    for name in ("config.yaml", "smoke.yaml"):
        load(REPO / "config" / name)


def test_schema_file_is_generated_from_the_package():
    committed = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    assert committed == json_schema(), "run: python -m nasdqn schema --out workflow/schemas/config.schema.yaml"


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


def test_conda_env_pins_the_tested_versions_within_the_package_ranges_and_every_rule_declares_it():
    """workflow/envs/nasdqn.yaml pins each dependency of pyproject.toml (same extras) at the exact
    version of constraints.txt, and that version lies in pyproject's range."""
    from packaging.requirements import Requirement

    def by_name(specs):
        return {Requirement(s).name.lower(): Requirement(s) for s in specs}

    env = yaml.safe_load((REPO / "workflow/envs/nasdqn.yaml").read_text())
    pip = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    pinned = by_name(d for d in pip if not d.startswith("-"))
    package = by_name(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"])
    tested = by_name(line for line in (REPO / "constraints.txt").read_text().splitlines() if line and not line.startswith("#"))
    assert set(pinned) == set(package)
    for name, req in pinned.items():
        assert req.specifier == tested[name].specifier and str(req.specifier).startswith("=="), name
        assert package[name].specifier.contains(str(req.specifier)[2:]) and req.extras == package[name].extras, name
    assert "torch==2.13.0" in pip and str(tested["torch"].specifier) == "==2.13.0"
    assert any(str(d).startswith("python=3.11") for d in env["dependencies"])
    for smk in (REPO / "workflow/rules").glob("*.smk"):
        text = smk.read_text()
        rules = re.findall(r"^rule (\w+):", text, flags=re.M)
        for rule in rules:
            body = text.split(f"rule {rule}:", 1)[1].split("\nrule ", 1)[0]
            assert 'conda:\n        "../envs/nasdqn.yaml"' in body, f"{smk.name}: rule {rule} declares no conda env"
    assert any((REPO / "workflow/rules").glob("*.smk"))


def test_cli_parser_requires_agent_and_seed():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--config", "x.yaml"])


def test_config_reference_is_generated_from_the_settings_table():
    from nasdqn.settings.markdown import reference_markdown

    committed = (REPO / "config/README.md").read_text()
    assert committed == reference_markdown(), "run: python -m nasdqn config-doc --out config/README.md"
    schema = json_schema()
    for section in ("protocol", "env", "dqn", "nas", "analysis", "roles"):
        for key, spec in schema["properties"][section]["properties"].items():
            assert f"`{section}.{key}`" in committed and spec["description"]


def test_every_schema_key_has_a_description():
    def walk(node, path=""):
        if isinstance(node, dict) and "properties" in node:
            for key, sub in node["properties"].items():
                assert sub.get("description"), f"{path}{key} has no description"
                walk(sub, f"{path}{key}.")
        if isinstance(node, dict) and isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], f"{path}*.")

    walk(json_schema())


def test_the_dataclasses_take_their_fields_from_the_table():
    """DQNSettings, NASSettings and TaskSettings have exactly the table's keys, no defaults of their
    own, and from_config fills an omitted key with the table's default."""
    import dataclasses

    from nasdqn.analysis.tables import cl
    from nasdqn.learning.controller import NASSettings
    from nasdqn.learning.dqn import DQNSettings
    from nasdqn.settings.table import SECTIONS, defaults
    from nasdqn.tasks import TaskSettings

    for section, cls in (("dqn", DQNSettings), ("nas", NASSettings), ("env", TaskSettings)):
        fields = dataclasses.fields(cls)
        assert [f.name for f in fields] == list(SECTIONS[section])
        assert all(f.default is dataclasses.MISSING for f in fields), section
        assert dataclasses.asdict(cls.from_config({})) == {k: (tuple(v) if isinstance(v, list) else v) for k, v in defaults(section).items()}
    assert DQNSettings.from_config({"gamma": 0.5}, batch_size=8).batch_size == 8
    with pytest.raises(ValueError, match="dqn: unknown key.*gama"):
        DQNSettings.from_config(gama=0.5)
    with pytest.raises(ValueError, match="optimizer: expected one of 'sgd', 'adam'"):
        DQNSettings.from_config(optimizer="rmsprop")
    assert set(SECTIONS["analysis"]) <= {f.name for f in dataclasses.fields(cl.DecisionSettings)}


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


def test_every_learner_key_has_its_sb3_name_in_the_reference():
    from nasdqn.settings.sb3 import SB3_NAMES
    from nasdqn.settings.table import SECTIONS

    assert {k for k in SB3_NAMES if k.startswith("dqn.")} == {f"dqn.{k}" for k in SECTIONS["dqn"]}
    page = (REPO / "config/README.md").read_text()
    assert "| `dqn.replay_size` | `buffer_size` |" in page and "| `dqn.grad_clip` | `max_grad_norm` |" in page
