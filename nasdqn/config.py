"""Study configuration: loading, validation with messages that name the key, and resolution
of one agent's settings (global sections merged with the agent's own overrides).

The key specification below is the single source of truth: the Snakemake JSON schema in
workflow/schemas/config.schema.yaml is generated from it (`python -m nasdqn schema`) and a
test keeps the two identical.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml

from .agent import DQNSettings
from .controller import NASSettings
from .env import PendulumParams
from .network import ACTIVATIONS, LAYER_CHOICES, UNIT_CHOICES, Architecture
from .train import AgentSpec


class ConfigError(ValueError):
    """A config problem; the message names the key and what was expected."""


# kind: (json-schema fragment, human description)
_POS_INT = ({"type": "integer", "minimum": 1}, "a positive integer")
_NONNEG_INT = ({"type": "integer", "minimum": 0}, "a non-negative integer")
_POS_NUM = ({"type": "number", "exclusiveMinimum": 0}, "a positive number")
_PROB = ({"type": "number", "minimum": 0, "maximum": 1}, "a number in [0, 1]")
_BOOL = ({"type": "boolean"}, "true or false")


def _choice(*values: Any) -> tuple[dict, str]:
    return {"enum": list(values)}, "one of " + ", ".join(repr(v) for v in values)


SECTIONS: dict[str, dict[str, tuple[dict, str]]] = {
    "protocol": {
        "episodes": _POS_INT,
        "seeds": (
            {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 1, "uniqueItems": True},
            "a non-empty list of distinct non-negative integers",
        ),
        "seeds_per_job": _POS_INT,
        "checkpoint_every": _POS_INT,
        "progress_every": _POS_INT,
        "rolling_window": _POS_INT,
        "success_threshold": ({"type": "number"}, "a number"),
        "final_episodes": _POS_INT,
    },
    "env": {
        "initial_state": _choice("near_upright", "full_circle"),
        "initial_theta_high": ({"type": "number", "minimum": 0}, "a non-negative number"),
        "initial_omega_high": ({"type": "number", "minimum": 0}, "a non-negative number"),
    },
    "dqn": {
        "gamma": _PROB,
        "optimizer": _choice("sgd", "adam"),
        "learning_rate": _POS_NUM,
        "batch_size": _POS_INT,
        "replay_size": _POS_INT,
        "learning_starts": _NONNEG_INT,
        "train_freq": _POS_INT,
        "target_update_steps": _POS_INT,
        "grad_clip": _POS_NUM,
        "huber_delta": _POS_NUM,
        "terminal_on_horizon": _BOOL,
        "epsilon_start": _PROB,
        "epsilon_end": _PROB,
        "epsilon_decay_episodes": _NONNEG_INT,
    },
    "nas": {
        "arch_update_interval": _POS_INT,
        "score_episodes": _POS_INT,
        "top_k": _POS_INT,
        "temperature": _POS_NUM,
        "epsilon_start": _PROB,
        "epsilon_min": _PROB,
        "epsilon_decay": _PROB,
        "zscore_eps": _POS_NUM,
        "transition": _choice("reinit", "inherit"),
        "memory_pruning": _choice("keep_all", "keep_recent"),
        "prune_keep_fraction": _PROB,
        "initial_architecture": ({"type": "string"}, "'random' or an architecture name such as '3x64-relu'"),
    },
    "analysis": {
        "alpha": ({"type": "number", "exclusiveMinimum": 0, "maximum": 0.5}, "a number in (0, 0.5]"),
        "power": ({"type": "number", "exclusiveMinimum": 0, "maximum": 0.99}, "a number in (0, 0.99]"),
        "max_seeds": ({"type": "integer", "minimum": 3}, "an integer of at least 3"),
        "factor_tolerance": ({"type": "number", "exclusiveMinimum": 1}, "a number above 1"),
        "comparable_tolerance": ({"type": "number", "exclusiveMinimum": 1}, "a number above 1"),
        "negligible_share": ({"type": "number", "exclusiveMinimum": 0, "maximum": 1}, "a number in (0, 1]"),
        "bootstrap_samples": ({"type": "integer", "minimum": 100}, "an integer of at least 100"),
        "bootstrap_seed": _NONNEG_INT,
    },
}
# Which agent plays which part in the paper's claims (nasdqn/claims.py); null or [] where none does.
_NAME_OR_NULL = ({"type": ["string", "null"]}, "an agent name or null")
ROLES: dict[str, tuple[dict, str]] = {
    "reference": ({"type": "string"}, "the name of the agent whose claims are tested (NAS-DQN)"),
    "random_search": _NAME_OR_NULL,
    "fixed": ({"type": "array", "items": {"type": "string"}, "uniqueItems": True}, "a list of agent names"),
    "large_fixed": _NAME_OR_NULL,
    "medium_fixed": _NAME_OR_NULL,
}
OVERRIDABLE = ("env", "dqn", "nas")
CONTROLLERS = ("fixed", "random", "nas")
_ARCH_SCHEMA = {
    "type": "object",
    "properties": {
        "layers": {"enum": list(LAYER_CHOICES)},
        "units": {"enum": list(UNIT_CHOICES)},
        "activation": {"enum": list(ACTIVATIONS)},
    },
    "required": ["layers", "units", "activation"],
    "additionalProperties": False,
}


def _matches(value: Any, schema: dict) -> bool:
    if "enum" in schema:
        return any(value == v and type(value) is type(v) for v in schema["enum"])
    kind = schema.get("type")
    if kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value == value
    elif kind == "boolean":
        ok = isinstance(value, bool)
    elif kind == "string":
        ok = isinstance(value, str)
    elif kind == ["string", "null"]:
        ok = value is None or isinstance(value, str)
    elif kind == "array":
        ok = isinstance(value, list) and len(value) >= schema.get("minItems", 0)
        ok = ok and all(_matches(v, schema["items"]) for v in value)
        ok = ok and (not schema.get("uniqueItems") or len(set(map(repr, value))) == len(value))
        return ok
    else:
        ok = True
    if not ok:
        return False
    if "minimum" in schema and value < schema["minimum"]:
        return False
    if "maximum" in schema and value > schema["maximum"]:
        return False
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        return False
    return True


def _check_section(where: str, section: Any, spec: dict, partial: bool) -> None:
    if not isinstance(section, dict):
        raise ConfigError(f"config key '{where}': expected a mapping, got {type(section).__name__}")
    for key in section:
        if key not in spec:
            raise ConfigError(f"config key '{where}.{key}': unknown key; expected one of {', '.join(spec)}")
    for key, (schema, text) in spec.items():
        if key not in section:
            if partial:
                continue
            raise ConfigError(f"config key '{where}.{key}' is missing; expected {text}")
        if not _matches(section[key], schema):
            raise ConfigError(f"config key '{where}.{key}': expected {text}, got {section[key]!r}")


def _check_agent(name: str, agent: Any) -> None:
    where = f"agents.{name}"
    if not isinstance(agent, dict):
        raise ConfigError(f"config key '{where}': expected a mapping, got {type(agent).__name__}")
    allowed = {"controller", "architecture", "label", *OVERRIDABLE}
    for key in agent:
        if key not in allowed:
            raise ConfigError(f"config key '{where}.{key}': unknown key; expected one of {', '.join(sorted(allowed))}")
    if "label" in agent and not (isinstance(agent["label"], str) and agent["label"]):
        raise ConfigError(f"config key '{where}.label': expected a non-empty string (the agent's name in tables and figures)")
    controller = agent.get("controller")
    if controller not in CONTROLLERS:
        raise ConfigError(f"config key '{where}.controller': expected one of {CONTROLLERS}, got {controller!r}")
    if controller == "fixed":
        arch = agent.get("architecture")
        if not isinstance(arch, dict):
            raise ConfigError(f"config key '{where}.architecture' is missing; a fixed agent needs layers, units, activation")
        for key in arch:
            if key not in _ARCH_SCHEMA["properties"]:
                raise ConfigError(f"config key '{where}.architecture.{key}': unknown key; expected layers, units, activation")
        for key, schema in _ARCH_SCHEMA["properties"].items():
            if key not in arch:
                raise ConfigError(f"config key '{where}.architecture.{key}' is missing")
            if not _matches(arch[key], schema):
                raise ConfigError(
                    f"config key '{where}.architecture.{key}': expected one of {schema['enum']} "
                    f"(the paper's search space), got {arch[key]!r}"
                )
    elif "architecture" in agent:
        raise ConfigError(f"config key '{where}.architecture': only fixed agents take an architecture")
    for section in OVERRIDABLE:
        if section in agent:
            _check_section(f"{where}.{section}", agent[section], SECTIONS[section], partial=True)


def _check_semantics(where: str, cfg: dict) -> None:
    dqn, nas = cfg["dqn"], cfg["nas"]
    if dqn["epsilon_end"] > dqn["epsilon_start"]:
        raise ConfigError(f"config key '{where}dqn.epsilon_end': expected at most dqn.epsilon_start")
    if nas["epsilon_min"] > nas["epsilon_start"]:
        raise ConfigError(f"config key '{where}nas.epsilon_min': expected at most nas.epsilon_start")
    if nas["score_episodes"] > nas["arch_update_interval"]:
        raise ConfigError(f"config key '{where}nas.score_episodes': expected at most nas.arch_update_interval")
    if dqn["batch_size"] > dqn["replay_size"]:
        raise ConfigError(f"config key '{where}dqn.batch_size': expected at most dqn.replay_size")
    if dqn["learning_starts"] < dqn["batch_size"]:
        raise ConfigError(f"config key '{where}dqn.learning_starts': expected at least dqn.batch_size")
    if nas["initial_architecture"] != "random":
        try:
            Architecture.parse(nas["initial_architecture"])
        except ValueError as exc:
            raise ConfigError(f"config key '{where}nas.initial_architecture': {exc}") from None


def validate(cfg: Any) -> dict:
    """Check a whole study config; returns it unchanged or raises ConfigError naming the key."""
    if not isinstance(cfg, dict):
        raise ConfigError(f"config: expected a mapping at the top level, got {type(cfg).__name__}")
    for key in cfg:
        if key not in (*SECTIONS, "roles", "agents"):
            raise ConfigError(f"config key '{key}': unknown top-level key; expected one of {', '.join([*SECTIONS, 'roles', 'agents'])}")
    for name, spec in SECTIONS.items():
        if name not in cfg:
            raise ConfigError(f"config key '{name}' is missing")
        _check_section(name, cfg[name], spec, partial=False)
    agents = cfg.get("agents")
    if not isinstance(agents, dict) or not agents:
        raise ConfigError("config key 'agents': expected a non-empty mapping of agent name to settings")
    for name, agent in agents.items():
        if not isinstance(name, str) or not name.replace("_", "").isalnum():
            raise ConfigError(f"config key 'agents.{name}': agent names must be letters, digits and underscores")
        _check_agent(name, agent)
    _check_roles(cfg.get("roles"), agents)
    _check_semantics("", cfg)
    for name in agents:
        _check_semantics(f"agents.{name} (resolved) ", resolved_agent_config(cfg, name))
    return cfg


def _check_roles(roles: Any, agents: dict) -> None:
    """Every role names agents of the config; fixed roles name fixed-architecture agents."""
    if roles is None:
        raise ConfigError("config key 'roles' is missing; expected reference, random_search, fixed, large_fixed, medium_fixed")
    _check_section("roles", roles, ROLES, partial=False)
    named = [roles["reference"], roles["random_search"], *roles["fixed"], roles["large_fixed"], roles["medium_fixed"]]
    for key, name in zip(["reference", "random_search"] + ["fixed"] * len(roles["fixed"]) + ["large_fixed", "medium_fixed"], named):
        if name is not None and name not in agents:
            raise ConfigError(f"config key 'roles.{key}': {name!r} is not an agent of this config ({', '.join(agents)})")
    for key in ("large_fixed", "medium_fixed"):
        if roles[key] is not None and roles[key] not in roles["fixed"]:
            raise ConfigError(f"config key 'roles.{key}': {roles[key]!r} must also be listed in roles.fixed")
    for name in roles["fixed"]:
        if agents[name]["controller"] != "fixed":
            raise ConfigError(f"config key 'roles.fixed': {name!r} is not a fixed-architecture agent")
    if roles["reference"] in roles["fixed"] or roles["reference"] == roles["random_search"]:
        raise ConfigError("config key 'roles.reference': the reference agent cannot also be a baseline")


def load(path: str | Path) -> dict:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot be read ({exc.strerror})") from None
    try:
        cfg = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path}: not valid YAML ({exc})") from None
    return validate(cfg)


def resolved_agent_config(cfg: dict, agent: str) -> dict:
    """The settings one agent's training depends on, and nothing else.

    This dict decides whether a training job must rerun, so it holds only what changes the
    training: the global env/dqn/nas sections with the agent's overrides applied, and the
    agent's controller and architecture. Protocol keys that only affect execution
    (seeds_per_job, progress_every, checkpoint_every) or aggregation are left out.
    """
    if agent not in cfg["agents"]:
        raise ConfigError(f"unknown agent {agent!r}; the config defines {', '.join(cfg['agents'])}")
    spec = cfg["agents"][agent]
    out: dict[str, Any] = {"agent": agent, "controller": spec["controller"], "episodes": cfg["protocol"]["episodes"]}
    if spec["controller"] == "fixed":
        out["architecture"] = dict(spec["architecture"])
    for section in OVERRIDABLE:
        merged = copy.deepcopy(cfg[section])
        merged.update(spec.get(section, {}))
        out[section] = merged
    return out


def validate_resolved(resolved: Any, where: str = "--config-json") -> dict:
    """Check one agent's resolved settings (what the workflow passes to a training job)."""
    if not isinstance(resolved, dict):
        raise ConfigError(f"{where}: expected a JSON object, got {type(resolved).__name__}")
    for key in ("agent", "controller", "episodes", *OVERRIDABLE):
        if key not in resolved:
            raise ConfigError(f"{where}: key '{key}' is missing")
    if not _matches(resolved["episodes"], _POS_INT[0]):
        raise ConfigError(f"{where}: key 'episodes': expected a positive integer, got {resolved['episodes']!r}")
    for section in OVERRIDABLE:
        _check_section(section, resolved[section], SECTIONS[section], partial=False)
    _check_agent(str(resolved["agent"]), {k: v for k, v in resolved.items() if k in ("controller", "architecture")})
    _check_semantics("", resolved)
    return resolved


def agent_spec(resolved: dict) -> AgentSpec:
    dqn = dict(resolved["dqn"])
    return AgentSpec(
        name=resolved["agent"],
        controller=resolved["controller"],
        architecture=Architecture(**resolved["architecture"]) if "architecture" in resolved else None,
        dqn=DQNSettings(**dqn),
        nas=NASSettings(**resolved["nas"]),
        env=PendulumParams(**resolved["env"]),
    )


def canonical_json(obj: Any) -> str:
    """Stable text of a config: equal settings give equal strings (used to detect changes)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def json_schema() -> dict:
    """The Snakemake config schema, generated from SECTIONS."""

    def section_schema(spec: dict, partial: bool) -> dict:
        out = {
            "type": "object",
            "properties": {k: v[0] for k, v in spec.items()},
            "additionalProperties": False,
        }
        if not partial:
            out["required"] = list(spec)
        return out

    agent = {
        "type": "object",
        "properties": {
            "controller": {"enum": list(CONTROLLERS)},
            "label": {"type": "string", "minLength": 1},
            "architecture": _ARCH_SCHEMA,
            **{s: section_schema(SECTIONS[s], partial=True) for s in OVERRIDABLE},
        },
        "required": ["controller"],
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "description": "NAS-DQN study config (generated by `python -m nasdqn schema`; edit nasdqn/config.py instead)",
        "type": "object",
        "properties": {
            **{s: section_schema(spec, partial=False) for s, spec in SECTIONS.items()},
            "roles": section_schema(ROLES, partial=False),
            "agents": {
                "type": "object",
                "minProperties": 1,
                "propertyNames": {"pattern": "^[A-Za-z0-9_]+$"},
                "additionalProperties": agent,
            },
        },
        "required": [*SECTIONS, "roles", "agents"],
        "additionalProperties": False,
    }


def analysis_settings(cfg: dict) -> dict:
    """What aggregation, figures and the report depend on (and nothing that only affects training)."""
    p = cfg["protocol"]
    return {
        "agents": list(cfg["agents"]),
        "seeds": list(p["seeds"]),
        "episodes": p["episodes"],
        "rolling_window": p["rolling_window"],
        "success_threshold": p["success_threshold"],
        "final_episodes": p["final_episodes"],
        "fixed": {a: dict(s["architecture"]) for a, s in cfg["agents"].items() if s["controller"] == "fixed"},
        "controllers": {a: s["controller"] for a, s in cfg["agents"].items()},
        "labels": {a: s.get("label", a) for a, s in cfg["agents"].items()},
        "roles": copy.deepcopy(cfg["roles"]),
        "decision": dict(cfg["analysis"]),
    }
