"""The config reference (nasdqn/settings/markdown.py, sb3.py): config/README.md is generated from the
settings table, with every key and its Stable-Baselines3 name."""
from conftest import REPO
from nasdqn.settings.markdown import reference_markdown
from nasdqn.settings.sb3 import SB3_NAMES
from nasdqn.settings.schema import json_schema
from nasdqn.settings.table import SECTIONS


def test_config_reference_is_generated_from_the_settings_table():
    committed = (REPO / "config/README.md").read_text()
    assert committed == reference_markdown(), "run: python -m nasdqn config-doc --out config/README.md"
    schema = json_schema()
    for section in ("protocol", "env", "dqn", "nas", "analysis", "roles"):
        for key, spec in schema["properties"][section]["properties"].items():
            assert f"`{section}.{key}`" in committed and spec["description"]


def test_every_learner_key_has_its_sb3_name_in_the_reference():
    assert {k for k in SB3_NAMES if k.startswith("dqn.")} == {f"dqn.{k}" for k in SECTIONS["dqn"]}
    page = (REPO / "config/README.md").read_text()
    assert "| `dqn.replay_size` | `buffer_size` |" in page and "| `dqn.grad_clip` | `max_grad_norm` |" in page
