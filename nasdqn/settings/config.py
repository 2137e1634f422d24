"""A study config as a whole: read it (several YAML files overlaid in order, then `--set` keys),
check it against the schema generated from the settings table and the cross-key rules, and fill
its omitted keys with their defaults.

`validate` is the one check of a config, for the package's commands and for the workflow alike;
it returns the config complete (every section, every key that applies, the oracle's agents when
protocol.oracle is on). The table of keys is nasdqn/settings/table.py; how a run's settings are
resolved from a config, nasdqn/settings/resolve.py. This module imports neither numpy nor torch:
the workflow parses with only Snakemake, PyYAML and jsonschema installed.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from nasdqn.settings.errors import ConfigError
from nasdqn.settings.messages import check_against, check_finite
from nasdqn.settings.oracle import oracle_agents, with_oracle
from nasdqn.settings.resolve import analysis_settings, complete, complete_config, normal_form, resolved_agent_config
from nasdqn.settings.rules import check_partner, check_roles, check_semantics
from nasdqn.settings.schema import json_schema, resolved_schema
from nasdqn.settings.table import PENDULUM_ID, PENDULUM_KEYS, SECTIONS

__all__ = ["PENDULUM_ID", "PENDULUM_KEYS", "SECTIONS", "ConfigError", "analysis_settings", "json_schema", "load", "oracle_agents",
           "overlay", "resolved_agent_config", "validate", "validate_resolved"]

_VALIDATOR = jsonschema.Draft202012Validator(json_schema())
_RESOLVED_VALIDATOR = jsonschema.Draft202012Validator(resolved_schema())


def validate(cfg: Any) -> dict:
    """Check a whole study config; returns it complete (omitted keys at their defaults, the
    oracle's agents added when protocol.oracle is on) or raises ConfigError naming the key."""
    if not isinstance(cfg, dict):
        raise ConfigError(f"config: expected a mapping at the top level, got {type(cfg).__name__}")
    check_finite(cfg, (), "config ")
    check_against(_VALIDATOR, cfg, "config ")
    cfg = with_oracle(complete_config(cfg))
    if not cfg["agents"]:
        raise ConfigError("config key 'agents': expected at least one agent (or protocol.oracle: true)")
    check_roles(cfg["roles"], cfg["agents"])
    check_semantics("", cfg)
    for variant, overrides in (cfg.get("variants") or {None: {}}).items():
        for name in overrides.get("agents", {}):
            if name not in cfg["agents"]:
                raise ConfigError(f"config key 'variants.{variant}.agents.{name}': not an agent of this config ({', '.join(cfg['agents'])})")
        resolved = {name: resolved_agent_config(cfg, name, variant, keep_unused=True) for name in cfg["agents"]}
        for name in cfg["agents"]:
            where = f"agents.{name} (resolved{'' if variant is None else ' in variant ' + variant}) "
            check_semantics(where, resolved[name])
            if cfg["agents"][name].get("partner"):
                check_partner(where, resolved[name], resolved[cfg["agents"][name]["partner"]])
    return cfg


def validate_resolved(resolved: Any, where: str = "--config-json") -> dict:
    """Check one agent's resolved settings (what the workflow passes to a training job); returns
    them in normal form (the workflow's are already: they come back unchanged)."""
    if not isinstance(resolved, dict):
        raise ConfigError(f"{where}: expected a JSON object, got {type(resolved).__name__}")
    check_finite(resolved, (), "")
    check_against(_RESOLVED_VALIDATOR, resolved, f"{where}: ")
    check_semantics("", {s: complete(s, resolved[s]) for s in ("dqn", "nas")})
    return normal_form(resolved)


# ----- reading: files overlaid in order, then --set keys -------------------------------------------
def read_yaml(path: str | Path) -> Any:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot be read ({exc.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path}: not valid YAML ({exc})") from None


def overlay(base: Any, top: Any) -> Any:
    """`top` over `base`, as Snakemake merges --configfile files: mappings merge key by key, any
    other value (a list too) replaces."""
    if isinstance(base, dict) and isinstance(top, dict):
        return {**base, **{k: overlay(base[k], v) if k in base else v for k, v in top.items()}}
    return top


def parse_set(text: str) -> tuple[list[str], Any]:
    """'dqn.learning_rate=0.002' -> (['dqn', 'learning_rate'], 0.002): the value is read as YAML."""
    key, sep, value = text.partition("=")
    path = key.strip().split(".")
    if not sep or not all(path):
        raise ConfigError(f"--set {text}: expected KEY=VALUE with a dotted key, such as dqn.learning_rate=0.002")
    try:
        return path, yaml.safe_load(value)
    except yaml.YAMLError as exc:
        raise ConfigError(f"--set {text}: the value is not valid YAML ({exc})") from None


def apply_set(cfg: dict, path: list[str], value: Any, text: str) -> dict:
    node = cfg
    for depth, part in enumerate(path[:-1]):
        node = node.setdefault(part, {}) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            raise ConfigError(f"--set {text}: '{'.'.join(path[:depth + 1])}' is not a mapping")
    node[path[-1]] = value
    return cfg


def load(paths: str | Path | Sequence[str | Path], sets: Sequence[str] = ()) -> dict:
    """A config from one file or several (each overlaid on the ones before), then `sets`
    ('key.path=value', YAML-typed), validated. An error names the file, or the --set and its key."""
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if not paths:
        raise ConfigError("--config: expected at least one config file")
    cfg: Any = {}
    for path in paths:
        cfg = overlay(cfg, read_yaml(path) or {})
    parsed = [(parse_set(text), text) for text in sets]
    for (path, value), text in parsed:
        if not isinstance(cfg, dict):
            break
        apply_set(cfg, path, value, text)
    try:
        return validate(cfg)
    except ConfigError as exc:
        named = next((text for (path, _), text in parsed if f"'{'.'.join(path)}" in str(exc)), None)
        where = f"--set {named}" if named else f"config file {paths[-1]}" if len(paths) == 1 else "config " + " + ".join(map(str, paths))
        raise ConfigError(f"{where}: {exc}") from None
