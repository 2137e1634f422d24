"""Resolution, once, in the package: a config's omitted keys take their defaults, and each agent
gets the settings its training depends on, and nothing else.

`complete` fills a section's omitted keys with the settings table's defaults (only the keys that
apply: a Gymnasium task gets no pendulum keys). `resolved_agent_config` merges one agent's
sections (global < variant < agent < the variant's agent entry), completes them, and keeps what
the agent's runs read: a key its controller never reads, or an option's parameter while the
option is off, is left out (the table's `used_by` and `only_if`), so that runs that cannot differ
share one identity and train once. A key added after 0.2.0 is left out while it holds its
default (identity.RECORDED_SINCE_0_2), so that adding a key renames no run. Plain Python.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from nasdqn.settings.errors import ConfigError
from nasdqn.settings.identity import RECORDED_SINCE_0_2, digest
from nasdqn.settings.oracle import oracle_agents
from nasdqn.settings.table import OVERRIDABLE, REQUIRED, SECTIONS


def complete(section: str, values: dict) -> dict:
    """The section with every omitted key that applies set to its default (given keys keep their
    order; defaults follow in table order). Keys whose `only_if` is decided by a default are
    filled after it."""
    table = SECTIONS[section]
    out = dict(values)
    for key, s in table.items():
        if key not in out and s.default is not REQUIRED and s.only_if is None:
            out[key] = copy.deepcopy(s.default)
    for key, s in table.items():
        if key not in out and s.default is not REQUIRED and s.applies(out):
            out[key] = copy.deepcopy(s.default)
    return out


def _gradient_steps(dqn: dict) -> None:
    """dqn.gradient_steps -1 (rl-baselines3-zoo's): as many as environment steps per training step."""
    if dqn.get("gradient_steps") == -1:
        dqn["gradient_steps"] = dqn["train_freq"]


# Values that stand for another, rewritten to it when a run's settings are resolved, so that
# equal training is one identity (and the code sees one meaning).
RESOLVERS: dict[str, Callable[[dict], None]] = {"dqn": _gradient_steps}


def resolve_values(section: str, values: dict) -> dict:
    """A complete section with RESOLVERS' rewrites applied (a copy)."""
    out = dict(values)
    if section in RESOLVERS:
        RESOLVERS[section](out)
    return out


def complete_config(cfg: dict) -> dict:
    """The config with every section present and complete (roles and agents as given)."""
    return {**cfg, **{s: complete(s, cfg.get(s) or {}) for s in SECTIONS}}


def identity_section(section: str, values: dict, controller: str) -> dict:
    """What a run with this controller records of a complete section: the keys it reads, and of
    the keys added after 0.2.0 only those that differ from their default."""
    table, since = SECTIONS[section], RECORDED_SINCE_0_2.get(section, frozenset())
    out = {}
    for key, value in values.items():
        s = table[key]
        if not s.applies(values, controller):
            continue
        if key not in since and value == s.default:
            continue
        out[key] = value
    return out


def _merged(cfg: dict, spec: dict, section: str, overrides: dict, agent: str) -> dict:
    merged = copy.deepcopy(cfg.get(section) or {})
    for layer in (overrides.get(section, {}), spec.get(section, {}), overrides.get("agents", {}).get(agent, {}).get(section, {})):
        merged.update(layer)
    return resolve_values(section, complete(section, merged))


def resolved_agent_config(cfg: dict, agent: str, variant: str | None = None, keep_unused: bool = False) -> dict:
    """The settings one agent's training job depends on, and nothing else.

    This dict decides whether a training job must rerun (its digest names the run's directory),
    so it holds only what changes its outputs: the agent's env/dqn/nas sections, its controller
    and architecture, the budget and the greedy evaluation (which changes evaluations.csv, never
    the training). Protocol keys that only affect execution (runs_per_job, progress_every,
    checkpoint_every) or aggregation are left out. keep_unused: every key, complete (what the
    cross-key rules check).
    """
    if agent not in cfg["agents"]:
        raise ConfigError(f"unknown agent {agent!r}; the config defines {', '.join(cfg['agents'])}")
    spec = cfg["agents"][agent]
    p = complete("protocol", cfg.get("protocol") or {})
    out: dict[str, Any] = {"agent": agent, "controller": spec["controller"], "unit": p["unit"], "budget": p["budget"],
                           "evaluation": {"every": p["eval_every"], "episodes": p["eval_episodes"]}}
    if spec["controller"] == "fixed":
        out["architecture"] = dict(spec["architecture"])
    if spec["controller"] == "yoked":  # its runs follow its partner's: the partner's identity is part of its own
        partner = resolved_agent_config(cfg, spec["partner"], variant)
        out["partner"] = {"agent": spec["partner"], "run": f"{spec['partner']}/{digest(partner, 'settings')}"}
    variants = cfg.get("variants") or {}
    if variant is not None and variant not in variants:
        raise ConfigError(f"unknown variant {variant!r}; the config defines {', '.join(variants) or 'none'}")
    overrides = variants.get(variant, {}) if variant is not None else {}
    for section in OVERRIDABLE:
        merged = _merged(cfg, spec, section, overrides, agent)
        out[section] = merged if keep_unused else identity_section(section, merged, spec["controller"])
    return out


def normal_form(resolved: dict) -> dict:
    """Resolved settings as resolution writes them (omitted keys at their defaults, keys the run
    does not read left out): equal settings, equal digests, however they were written."""
    out = dict(resolved)
    for section in OVERRIDABLE:
        values = resolve_values(section, complete(section, resolved[section]))
        out[section] = identity_section(section, values, resolved["controller"])
    return out


def analysis_settings(cfg: dict) -> dict:
    """What aggregation, figures and the report depend on (and nothing that only affects training)."""
    cfg = complete_config(cfg)
    p = cfg["protocol"]
    return {
        "agents": list(cfg["agents"]),
        "seeds": list(p["seeds"]),
        "unit": p["unit"],
        "budget": p["budget"],
        "rolling_window": p["rolling_window"],
        "success_threshold": p["success_threshold"],
        "final_episodes": p["final_episodes"],
        "fixed": {a: dict(s["architecture"]) for a, s in cfg["agents"].items() if s["controller"] == "fixed"},
        "controllers": {a: s["controller"] for a, s in cfg["agents"].items()},
        "labels": {a: s.get("label", a) for a, s in cfg["agents"].items()},
        "roles": copy.deepcopy(cfg["roles"]),
        "decision": dict(cfg["analysis"]),
        "env": identity_section("env", cfg["env"], "fixed"),
        "oracle": [a for a in oracle_agents() if a in cfg["agents"]] if p["oracle"] else [],
        "eval_episodes": p["eval_episodes"],
    }
