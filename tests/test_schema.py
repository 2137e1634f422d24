"""The config's JSON schema (nasdqn/settings/schema.py): the committed file is generated from the
settings table, and every key has a description."""
import yaml

from conftest import REPO
from nasdqn.settings.schema import json_schema


def test_schema_file_is_generated_from_the_package():
    committed = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    assert committed == json_schema(), "run: python -m nasdqn schema --out workflow/schemas/config.schema.yaml"


def test_every_schema_key_has_a_description():
    def walk(node, path=""):
        if isinstance(node, dict) and "properties" in node:
            for key, sub in node["properties"].items():
                assert sub.get("description"), f"{path}{key} has no description"
                walk(sub, f"{path}{key}.")
        if isinstance(node, dict) and isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], f"{path}*.")

    walk(json_schema())
