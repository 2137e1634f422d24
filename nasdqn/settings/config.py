"""Study configuration: the settings table, its JSON schema, validation and resolution.

`SECTIONS` below is the single source of every config key: its JSON-schema fragment, what
a valid value looks like, and what the key changes. The schema in
workflow/schemas/config.schema.yaml is generated from it (`python -m nasdqn schema`; a test
keeps the two identical), config/README.md is checked against it, and `validate` checks a
config with jsonschema against that schema, then applies the few rules that involve
several keys. This module imports neither numpy nor torch: the workflow parses with only
Snakemake, PyYAML and jsonschema installed.
"""
from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from nasdqn.settings.errors import ConfigError
from nasdqn.settings.identity import digest
from nasdqn.settings.space import ACTIVATIONS, LAYER_CHOICES, SEARCH_SPACE, UNIT_CHOICES, Architecture


@dataclass(frozen=True)
class Setting:
    schema: dict  # JSON-schema fragment of the value
    expects: str  # what a valid value is, for error messages
    description: str  # what the key changes
    optional: bool = False  # a config may leave it out: the learner's default then applies, and runs keep their identity


def _int(minimum: int, description: str) -> Setting:
    return Setting({"type": "integer", "minimum": minimum}, "a positive integer" if minimum == 1 else f"an integer >= {minimum}", description)


def _num(description: str, low: float | None = None, high: float | None = None, exclusive_low: bool = False) -> Setting:
    schema: dict[str, Any] = {"type": "number"}
    if low is not None:
        schema["exclusiveMinimum" if exclusive_low else "minimum"] = low
    if high is not None:
        schema["maximum"] = high
    lo = "" if low is None else ("(" if exclusive_low else "[") + f"{low:g}"
    text = "a number" if low is None else (f"a number in {lo}, {high:g}]" if high is not None else f"a number {'>' if exclusive_low else '>='} {low:g}")
    return Setting(schema, text, description)


def _choice(values: tuple, description: str) -> Setting:
    return Setting({"enum": list(values)}, "one of " + ", ".join(repr(v) for v in values), description)


def _bool(description: str) -> Setting:
    return Setting({"type": "boolean"}, "true or false", description)


CONTROLLERS = ("fixed", "random", "nas", "yoked")


def _optional(setting: Setting) -> Setting:
    """A key added after 0.2.0: optional, so that configs without it keep their meaning and their runs their identity."""
    return Setting(setting.schema, setting.expects, setting.description + " (optional)", optional=True)

SECTIONS: dict[str, dict[str, Setting]] = {
    "protocol": {
        "unit": _choice(("episodes", "steps"), "what the budget and every schedule below are counted in: episodes (the paper) "
                        "or environment steps (every agent gets the same experience)"),
        "budget": _int(1, "per run, in protocol.unit (paper: 2000 episodes)"),
        "oracle": _bool("add the search space's 27 architectures as fixed agents arch_{L}x{U}_{activation} (the oracle)"),
        "study": Setting({"type": ["string", "null"], "pattern": "^[A-Za-z0-9_-]+$"}, "a name of letters, digits, _ and - or null",
                         "where the tables, figures and report go: results/ (null) or results/studies/{study}/ (runs are shared)"),
        "seeds": Setting({"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 1, "uniqueItems": True},
                         "a non-empty list of distinct non-negative integers", "the seeds every agent is trained on (paper: 3)"),
        "runs_per_job": _int(1, "execution only: runs (any agents, seeds, variants) trained together in one process; "
                             "byte-identical runs, less CPU (docs/performance.md)"),
        "checkpoint_every": _int(1, "execution only: episodes between checkpoints of a training job"),
        "progress_every": _int(1, "execution only: episodes between progress lines in a job's log"),
        "rolling_window": _int(1, "sample efficiency: window of the rolling average (paper: 50)"),
        "success_threshold": _num("sample efficiency: the rolling average must exceed this (paper: 150)"),
        "final_episodes": _int(1, "final performance and stability: the last this many episodes (paper: 100)"),
        "eval_every": _int(0, "greedy evaluation every this much of protocol.unit and at the end (0: off); never changes training"),
        "eval_episodes": _int(1, "greedy episodes per evaluation, from start states of the run's own evaluation stream"),
    },
    "env": {
        "id": Setting({"type": "string", "minLength": 1}, "'nasdqn/InvertedPendulum-v0' or a Gymnasium id such as 'CartPole-v1'",
                      "the task: the paper's pendulum (section 2.1) or any discrete-action Gymnasium environment"),
        "max_episode_steps": Setting({"type": ["integer", "null"], "minimum": 1}, "a positive integer or null",
                                     "the time limit (truncation); null: the task's own (the pendulum's T = 200)"),
        "observation_scale": Setting({"type": ["array", "null"], "items": {"type": "number"}}, "a list of numbers or null",
                                     "multiplies each observation component (tasks whose observations differ in scale)"),
        "initial_state": _choice(("near_upright", "full_circle"), "start distribution: theta, omega ~ U[-high, high], or theta ~ U(-pi, pi]"),
        "initial_theta_high": _num("half-width of the initial angle box (near_upright)", 0),
        "initial_omega_high": _num("half-width of the initial angular-velocity box", 0),
    },
    "dqn": {
        "gamma": _num("discount factor gamma", 0, 1),
        "optimizer": _choice(("sgd", "adam"), "sgd is the paper's plain gradient descent (2.2.3)"),
        "learning_rate": _num("alpha", 0, None, exclusive_low=True),
        "batch_size": _int(1, "minibatch size N"),
        "replay_size": _int(1, "replay memory capacity, transitions"),
        "learning_starts": _int(0, "environment steps before the first update"),
        "train_freq": _int(1, "environment steps per gradient update"),
        "target_update_steps": _int(1, "w- <- w every this many environment steps"),
        "grad_clip": _num("element-wise gradient clip C (paper: 1.0)", 0, None, exclusive_low=True),
        "huber_delta": _num("Huber loss delta (paper: 1.0)", 0, None, exclusive_low=True),
        "terminal_on_horizon": _bool("true: y = r at the horizon (the paper); false: bootstrap through it"),
        "epsilon_start": _num("epsilon-greedy: initial epsilon", 0, 1),
        "epsilon_end": _num("epsilon-greedy: final epsilon", 0, 1),
        "epsilon_decay": _int(0, "epsilon-greedy: length of the linear decay, in protocol.unit"),
    },
    "nas": {
        "arch_update_interval": _int(1, "M: the architecture window, in protocol.unit (paper: 200 episodes)"),
        "score_window": _int(1, "S(c): mean return over the window's last this much of protocol.unit"),
        "top_k": _int(1, "size of the controller's buffer C_best"),
        "temperature": _num("tau of the selection softmax (paper: 1.5)", 0, None, exclusive_low=True),
        "epsilon_start": _num("controller epsilon_0", 0, 1),
        "epsilon_min": _num("controller epsilon floor", 0, 1),
        "epsilon_decay": _num("controller rho_epsilon (paper: 0.95)", 0, 1),
        "zscore_eps": _num("the small constant of the z-score", 0, None, exclusive_low=True),
        "transition": _choice(("reinit", "inherit", "distill", "grow"),
                              "model transition: fresh weights, copy the overlapping blocks, distil the old network, or grow "
                              "it (the same Q-values where the new architecture can hold them, else distil to nas.fidelity_*)"),
        "distill_steps": _int(1, "distill: Adam steps fitting the new network to the old one's Q-values on replay states; "
                              "grow: the most such steps where the function cannot be kept"),
        "distill_learning_rate": _num("distill: Adam learning rate", 0, None, exclusive_low=True),
        "memory_pruning": _choice(("keep_all", "keep_recent"), "memory pruning on a transition"),
        "prune_keep_fraction": _num("keep_recent: share of the replay memory kept", 0, 1),
        "initial_architecture": Setting({"type": "string"}, "'random' or an architecture name such as '3x64-relu'",
                                        "the first window's architecture"),
        "score": _choice(("tail_mean", "window_mean", "best_rolling"),
                         "S(c): mean of the window's last score_window, of the whole window, or its best rolling mean"),
        "revisit_score": _choice(("latest", "best", "running_mean"),
                                 "C_best entry of an architecture scored again: its latest, best or mean score"),
        "exploration_after_transition": _choice(("continue", "restart"),
                                                "epsilon-greedy after a transition: the global schedule, or restart it"),
        "restart_epsilon": _num("restart: epsilon right after a transition", 0, 1),
        "restart_decay": _int(1, "restart: how long epsilon anneals back to dqn.epsilon_end, in protocol.unit"),
        "keep_probability": _num("random controller: keep the current architecture with this probability at an update "
                                 "(0: the paper's Random-NAS, uniform over C)", 0, 1),
        "fidelity_agreement": _optional(_num("grow: distil until the greedy actions of the new and the old network agree "
                                             "on this share of replay states (default 0.95) ...", 0, 1)),
        "fidelity_q_error": _optional(_num("... and their RMS Q error is at most this share of the old network's RMS Q "
                                           "(default 0.05), or distill_steps are spent", 0, None, exclusive_low=True)),
        "commit_at": _optional(_num("commit phase: the first window end at or after this share of the budget makes the last "
                                    "pick, whose network trains to the end (default 1: no commit phase, the paper)", 0, 1,
                                    exclusive_low=True)),
        "deploy": _optional(_choice(("last", "best_window"), "the network evaluated at the end and saved as policy.pt: the "
                                    "last one (default), or the one at the end of the best-scored window")),
        "revisit": _optional(_choice(("fresh", "resume"), "an architecture used before: a new network (default, the "
                                     "paper), or the learner the run left on it resumes (weights, target, optimiser)")),
        "agent_stream": _optional(_bool("the controller draws from a stream keyed by the agent's name (true), or from the "
                                        "stream its controller kind shares (default false: the paper's configs)")),
    },
    "analysis": {
        "alpha": _num("level of every verdict: a claim's comparisons share it (Bonferroni), the primary claims and the "
                      "oracle's questions are Holm-corrected across claims", 0, 0.5, exclusive_low=True),
        "power": _num("power at which 'seeds it would take' decides a claim at its stated effect", 0, 0.99, exclusive_low=True),
        "max_seeds": _int(3, "largest seed count that search considers"),
        "factor_tolerance": _num("'about F x faster' holds for factors in [F / tol, F x tol]", 1, None, exclusive_low=True),
        "ratio_margin": _num("the margin of every ratio (time to threshold, wall time, spread across seeds): the smallest "
                             "ratio of interest; 'comparable' is a ratio in [1 / m, m]", 1, None, exclusive_low=True),
        "return_range": Setting({"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
                                "a list [worst, best] of two numbers, worst < best",
                                "the task's worst and best episode return: the return margin is a share of it"),
        "return_margin": _num("the margin of every return metric (final performance, peak, stability, drawdown): this "
                              "share of return_range", 0, 1, exclusive_low=True),
        "share_margin": _num("the margin of every share (picks, visits, runs), absolute; of the visit entropy, this share "
                             "of log2 27 bits", 0, 1, exclusive_low=True),
        "bootstrap_samples": _int(100, "stratified bootstrap resamples (IQM, probability of improvement, oracle, curves)"),
        "bootstrap_seed": _int(0, "seed of every bootstrap: tables and figures are deterministic"),
    },
}
OVERRIDABLE = ("env", "dqn", "nas")
_NAME_OR_NULL = {"type": ["string", "null"]}
ROLES: dict[str, Setting] = {
    "reference": Setting(_NAME_OR_NULL, "an agent name or null",
                         "the agent whose claims are tested (NAS-DQN); null in a study of fixed agents only (the oracle's screening)"),
    "random_search": Setting(_NAME_OR_NULL, "an agent name or null", "the random-search control (Random-NAS)"),
    "fixed": Setting({"type": "array", "items": {"type": "string"}, "uniqueItems": True}, "a list of agent names",
                     "the fixed-architecture baselines"),
    "large_fixed": Setting(_NAME_OR_NULL, "an agent name or null", "the baseline 'Fixed Large struggles to learn' is about"),
    "medium_fixed": Setting(_NAME_OR_NULL, "an agent name or null", "the baseline 'Fixed Medium is the best static' is about"),
    "matched_random": Setting(_NAME_OR_NULL, "an agent name or null",
                              "a random control whose nas.keep_probability matches NAS-DQN's rate of keeping its architecture"),
}
AGENT_KEYS: dict[str, Setting] = {
    "label": Setting({"type": "string", "minLength": 1}, "a non-empty string", "the agent's name in tables and figures (optional)"),
    "controller": _choice(CONTROLLERS, "fixed architecture, Random-NAS (uniform picks), NAS-DQN (learned picks) or a yoked "
                          "random control (switches where its partner switched, to a uniform other architecture)"),
    "partner": Setting({"type": "string"}, "an agent name", "yoked agents only: the agent whose runs (same seed, same variant) "
                       "it is yoked to; its runs train after the partner's (optional)"),
}
ARCHITECTURE_KEYS: dict[str, Setting] = {
    "layers": _choice(LAYER_CHOICES, "hidden layers L (the paper's search space)"),
    "units": _choice(UNIT_CHOICES, "units per hidden layer U"),
    "activation": _choice(ACTIVATIONS, "activation sigma"),
}


# ----- the JSON schema ---------------------------------------------------------------------------
def _properties(table: dict[str, Setting]) -> dict:
    return {k: {**s.schema, "description": s.description} for k, s in table.items()}


# The paper's task, and the env keys only it reads (required there: a cross-key rule).
PENDULUM_ID = "nasdqn/InvertedPendulum-v0"
PENDULUM_KEYS = ("initial_state", "initial_theta_high", "initial_omega_high")


def _object(table: dict[str, Setting], description: str, required: bool = True) -> dict:
    out = {"type": "object", "description": description, "properties": _properties(table), "additionalProperties": False}
    if required:
        out["required"] = [k for k, v in table.items() if not v.optional and (table is not SECTIONS["env"] or k not in PENDULUM_KEYS)]
    return out


SECTION_TEXT = {
    "protocol": "the experimental protocol of section 2.4 and how jobs run",
    "env": "the pendulum of section 2.1 (only the start distribution is not the paper's)",
    "dqn": "the Double DQN learner of sections 2.2-2.3.1",
    "nas": "the architecture controller and transitions of section 2.3.2",
    "analysis": "the decision rule of the report (docs/statistics.md)",
}


def json_schema() -> dict:
    """The config schema with a description for every key (generated; see the module doc)."""
    agent = _object(AGENT_KEYS, "one agent; env/dqn/nas entries override the global sections for it", required=False)
    agent["required"] = ["controller"]
    agent["properties"]["architecture"] = _object(ARCHITECTURE_KEYS, "a fixed agent's architecture c = (L, U, sigma)")
    for s in OVERRIDABLE:
        agent["properties"][s] = _object(SECTIONS[s], f"overrides of {s} for this agent", required=False)
    agent["if"] = {"properties": {"controller": {"const": "fixed"}}}
    agent["then"] = {"required": ["architecture"]}
    agent["else"] = {"not": {"required": ["architecture"]}}
    agent["allOf"] = [{"if": {"properties": {"controller": {"const": "yoked"}}}, "then": {"required": ["partner"]},
                       "else": {"not": {"required": ["partner"]}}}]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "description": "NAS-DQN study config (generated by `python -m nasdqn schema` from nasdqn/settings/config.py; edit that instead)",
        "type": "object",
        "properties": {
            **{s: _object(table, SECTION_TEXT[s]) for s, table in SECTIONS.items()},
            "roles": _object(ROLES, "which agent plays which part in the paper's claims"),
            "variants": _variants_schema(),
            "agents": {"type": "object", "description": "the agents of the study, by name (besides the oracle's)",
                       "propertyNames": {"pattern": "^[A-Za-z0-9_]+$"}, "additionalProperties": agent},
        },
        "required": [*SECTIONS, "roles", "agents"],
        "additionalProperties": False,
    }


def _variants_schema() -> dict:
    """variants: name -> overrides of the global sections and of agents' sections (optional)."""
    sections = {s: _object(SECTIONS[s], f"overrides of {s} in this variant", required=False) for s in OVERRIDABLE}
    agent = {"type": "object", "description": "overrides of one agent's sections in this variant",
             "properties": {s: _object(SECTIONS[s], f"overrides of {s} for this agent in this variant", required=False)
                            for s in OVERRIDABLE}, "additionalProperties": False}
    variant = {"type": "object", "description": "one reading of what the paper leaves open: overrides of the settings",
               "properties": {**sections, "agents": {"type": "object", "description": "per-agent overrides in this variant",
                                                     "additionalProperties": agent}},
               "additionalProperties": False}
    return {"type": "object", "description": "optional: a sensitivity study; every variant trains every agent on every seed, "
            "and runs whose settings are equal across variants are trained once", "minProperties": 1,
            "propertyNames": {"pattern": "^[A-Za-z0-9_]+$"}, "additionalProperties": variant}


# ----- validation ---------------------------------------------------------------------------------
_VALIDATOR = jsonschema.Draft202012Validator(json_schema())


def _setting_at(path: list) -> Setting | None:
    """The table entry for a key path such as ['agents', 'x', 'dqn', 'gamma']."""
    if len(path) == 2 and path[0] in SECTIONS:
        return SECTIONS[path[0]].get(path[1])
    if len(path) == 2 and path[0] == "roles":
        return ROLES.get(path[1])
    if len(path) == 3 and path[0] == "agents":
        return AGENT_KEYS.get(path[2])
    if len(path) == 4 and path[0] == "agents" and path[2] == "architecture":
        return ARCHITECTURE_KEYS.get(path[3])
    if len(path) == 4 and path[0] == "agents" and path[2] in OVERRIDABLE:
        return SECTIONS[path[2]].get(path[3])
    return None


def _message(error: jsonschema.ValidationError, where: str) -> str:
    """A jsonschema error as a sentence that names the key and what was expected."""
    path = [str(p) for p in error.absolute_path]
    key = ".".join(path)
    if error.validator == "required":
        missing = error.message.split("'")[1]
        setting = _setting_at([*path, missing])
        expects = f"; expected {setting.expects}" if setting else ""
        return f"{where}key '{'.'.join([*path, missing])}' is missing{expects}"
    if error.validator == "additionalProperties":
        extra = error.message.split("'")[1]
        allowed = list(error.schema.get("properties", {}))
        return f"{where}key '{'.'.join([*path, extra])}': unknown key; expected one of {', '.join(allowed)}"
    if error.validator == "not" and path and path[0] == "agents":
        extra = "partner" if "partner" in (error.instance or {}) and error.instance.get("controller") != "yoked" else "architecture"
        return f"{where}key '{key}.{extra}': only {'yoked' if extra == 'partner' else 'fixed'} agents take a {extra}"
    if error.validator == "propertyNames":
        return f"{where}key 'agents.{error.instance}': agent names must be letters, digits and underscores"
    setting = _setting_at(path)
    expects = setting.expects if setting else error.message
    return f"{where}key '{key or '(top level)'}': expected {expects}, got {error.instance!r}"


def _check_finite(node: Any, path: tuple = (), where: str = "config ") -> None:
    """NaN and infinities pass a JSON schema's number checks; no key of ours accepts them."""
    if isinstance(node, float) and not math.isfinite(node):
        raise ConfigError(f"{where}key '{'.'.join(map(str, path))}': expected a finite number, got {node!r}")
    if isinstance(node, dict):
        for k, v in node.items():
            _check_finite(v, (*path, k), where)
    elif isinstance(node, list):
        for k, v in enumerate(node):
            _check_finite(v, (*path, k), where)


def _check_schema(cfg: Any, where: str = "config ") -> None:
    if not isinstance(cfg, dict):
        raise ConfigError(f"config: expected a mapping at the top level, got {type(cfg).__name__}")
    _check_finite(cfg, (), where)
    errors = sorted(_VALIDATOR.iter_errors(cfg), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        # the deepest error names the key most precisely (e.g. a wrong value rather than its agent)
        raise ConfigError(_message(max(errors, key=lambda e: len(e.absolute_path)), where))


def _check_semantics(where: str, cfg: dict) -> None:
    """The rules that involve several keys."""
    dqn, nas, env = cfg["dqn"], cfg["nas"], cfg["env"]
    if env.get("id") == PENDULUM_ID:
        for key in PENDULUM_KEYS:
            if key not in env:
                raise ConfigError(f"config key '{where}env.{key}' is missing; the pendulum needs it")
    inf = float("inf")
    rules = [
        (dqn["epsilon_end"] > dqn["epsilon_start"], "dqn.epsilon_end", "at most dqn.epsilon_start"),
        (nas.get("epsilon_min", 0) > nas.get("epsilon_start", inf), "nas.epsilon_min", "at most nas.epsilon_start"),
        (nas["score_window"] > nas["arch_update_interval"], "nas.score_window", "at most nas.arch_update_interval"),
        (dqn["batch_size"] > dqn["replay_size"], "dqn.batch_size", "at most dqn.replay_size"),
        (dqn["learning_starts"] < dqn["batch_size"], "dqn.learning_starts", "at least dqn.batch_size"),
        (nas.get("restart_epsilon", inf) < dqn["epsilon_end"], "nas.restart_epsilon", "at least dqn.epsilon_end"),
    ]
    for broken, key, expected in rules:
        if broken:
            raise ConfigError(f"config key '{where}{key}': expected {expected}")
    if nas.get("initial_architecture", "random") != "random":
        try:
            Architecture.parse(nas["initial_architecture"])
        except ValueError as exc:
            raise ConfigError(f"config key '{where}nas.initial_architecture': {exc}") from None


def _check_roles(roles: dict, agents: dict) -> None:
    """Every role names agents of the config; fixed roles name fixed-architecture agents."""
    named = [("reference", roles["reference"]), ("random_search", roles["random_search"]), ("matched_random", roles["matched_random"]),
             *(("fixed", n) for n in roles["fixed"]), ("large_fixed", roles["large_fixed"]), ("medium_fixed", roles["medium_fixed"])]
    for key, name in named:
        if name is not None and name not in agents:
            raise ConfigError(f"config key 'roles.{key}': {name!r} is not an agent of this config ({', '.join(agents)})")
    for key in ("large_fixed", "medium_fixed"):
        if roles[key] is not None and roles[key] not in roles["fixed"]:
            raise ConfigError(f"config key 'roles.{key}': {roles[key]!r} must also be listed in roles.fixed")
    for name in roles["fixed"]:
        if agents[name]["controller"] != "fixed":
            raise ConfigError(f"config key 'roles.fixed': {name!r} is not a fixed-architecture agent")
    for name, spec in agents.items():
        partner = spec.get("partner")
        if partner is not None and (partner not in agents or agents[partner]["controller"] in ("fixed", "yoked")):
            raise ConfigError(f"config key 'agents.{name}.partner': {partner!r} must be an agent of this config that searches "
                              "(controller nas or random)")
    for key in ("random_search", "matched_random"):
        if roles[key] is not None and agents[roles[key]]["controller"] != "random":
            raise ConfigError(f"config key 'roles.{key}': {roles[key]!r} is not a random-search agent (controller: random)")
    if roles["reference"] is not None and (roles["reference"] in roles["fixed"] or roles["reference"] in (roles["random_search"], roles["matched_random"])):
        raise ConfigError("config key 'roles.reference': the reference agent cannot also be a baseline")


def oracle_agents() -> dict[str, dict]:
    """The search space's 27 architectures as fixed agents (protocol.oracle), in space order."""
    return {f"arch_{a.layers}x{a.units}_{a.activation}": {"label": f"{a.layers}x{a.units} {a.activation}", "controller": "fixed",
                                                          "architecture": {"layers": a.layers, "units": a.units, "activation": a.activation}}
            for a in SEARCH_SPACE}


def _with_oracle(cfg: dict) -> dict:
    """The config with the oracle agents added (protocol.oracle); an agent of the config with an
    oracle agent's name must be that agent."""
    if not cfg["protocol"]["oracle"]:
        return cfg
    agents = dict(cfg["agents"])
    for name, spec in oracle_agents().items():
        if name in agents and {k: v for k, v in agents[name].items() if k != "label"} != {k: v for k, v in spec.items() if k != "label"}:
            raise ConfigError(f"config key 'agents.{name}': the name of an oracle agent (protocol.oracle), but another agent")
        agents.setdefault(name, spec)
    return {**cfg, "agents": agents}


def validate(cfg: Any) -> dict:
    """Check a whole study config; returns it (with the oracle's agents added when protocol.oracle
    is on) or raises ConfigError naming the key."""
    _check_schema(cfg)
    cfg = _with_oracle(cfg)
    if not cfg["agents"]:
        raise ConfigError("config key 'agents': expected at least one agent (or protocol.oracle: true)")
    _check_roles(cfg["roles"], cfg["agents"])
    _check_semantics("", cfg)
    for variant, overrides in (cfg.get("variants") or {None: {}}).items():
        for name in overrides.get("agents", {}):
            if name not in cfg["agents"]:
                raise ConfigError(f"config key 'variants.{variant}.agents.{name}': not an agent of this config ({', '.join(cfg['agents'])})")
        for name in cfg["agents"]:
            where = f"agents.{name} (resolved{'' if variant is None else ' in variant ' + variant}) "
            _check_semantics(where, resolved_agent_config(cfg, name, variant, keep_unused=True))
    return cfg


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


# ----- resolution ---------------------------------------------------------------------------------
def resolved_agent_config(cfg: dict, agent: str, variant: str | None = None, keep_unused: bool = False) -> dict:
    """The settings one agent's training job depends on, and nothing else.

    This dict decides whether a training job must rerun, so it holds only what changes its
    outputs: the global env/dqn/nas sections with the agent's overrides applied, the agent's
    controller and architecture, the episode budget and the greedy evaluation (which changes
    evaluations.csv, never the training). Protocol keys that only affect execution
    (runs_per_job, progress_every, checkpoint_every) or aggregation are left out. In a
    variant, the sections merge as: global < variant < agent < the variant's agent entry.
    Settings the agent's controller never reads are dropped (see `_unused`) unless
    keep_unused, so that runs that cannot differ share one identity and train once.
    """
    if agent not in cfg["agents"]:
        raise ConfigError(f"unknown agent {agent!r}; the config defines {', '.join(cfg['agents'])}")
    spec = cfg["agents"][agent]
    p = cfg["protocol"]
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
        merged = copy.deepcopy(cfg[section])
        for layer in (overrides.get(section, {}), spec.get(section, {}), overrides.get("agents", {}).get(agent, {}).get(section, {})):
            merged.update(layer)
        out[section] = merged
    for key in [] if keep_unused else _unused(out["controller"], out["nas"]):
        del out["nas"][key]
    if not keep_unused and out["env"]["id"] != PENDULUM_ID:
        for key in PENDULUM_KEYS:
            out["env"].pop(key, None)
    return out


# nas keys only NAS-DQN's controller reads, and keys only agents that search read.
_CONTROLLER_ONLY = ("top_k", "temperature", "epsilon_start", "epsilon_min", "epsilon_decay", "zscore_eps", "revisit_score")
_TRANSITION_ONLY = ("transition", "distill_steps", "distill_learning_rate", "memory_pruning", "prune_keep_fraction",
                    "initial_architecture", "exploration_after_transition", "restart_epsilon", "restart_decay",
                    "fidelity_agreement", "fidelity_q_error", "commit_at", "deploy", "revisit", "agent_stream")


def _unused(controller: str, nas: dict) -> list[str]:
    """The nas keys that cannot change the training of a run of this controller. Window length
    and score_window shape every agent's architectures.csv; transitions matter only to agents
    that search; the selection rule and the score mode only to NAS-DQN (the others' window
    scores are informational and always the default tail mean); an option's parameters only
    when the option is on; keep_probability only to the random controller."""
    unused = list(_TRANSITION_ONLY) if controller == "fixed" else []
    if controller != "nas":  # their window scores are logged with the default reading, tail_mean
        unused += [*_CONTROLLER_ONLY, "score"]
    if controller != "random":
        unused += ["keep_probability"]
    if controller == "yoked":  # it takes its partner's first architecture
        unused += ["initial_architecture"]
    if nas.get("transition") not in ("distill", "grow"):
        unused += ["distill_steps", "distill_learning_rate"]
    if nas.get("transition") != "grow":
        unused += ["fidelity_agreement", "fidelity_q_error"]
    if nas.get("memory_pruning") != "keep_recent":
        unused += ["prune_keep_fraction"]
    if nas.get("exploration_after_transition") != "restart":
        unused += ["restart_epsilon", "restart_decay"]
    return [k for k in dict.fromkeys(unused) if k in nas]


def resolved_schema() -> dict:
    """JSON schema of one agent's resolved settings (what a training job receives)."""
    agent = json_schema()["properties"]["agents"]["additionalProperties"]
    protocol = SECTIONS["protocol"]
    evaluation = _object({"every": protocol["eval_every"], "episodes": protocol["eval_episodes"]}, "greedy evaluation")
    props = {"agent": {"type": "string"}, "controller": agent["properties"]["controller"],
             "unit": protocol["unit"].schema, "budget": protocol["budget"].schema, "architecture": agent["properties"]["architecture"],
             "evaluation": evaluation, **{s: _object(SECTIONS[s], SECTION_TEXT[s], required=s != "nas") for s in OVERRIDABLE},
             "partner": {"type": "object", "properties": {"agent": {"type": "string"}, "run": {"type": "string"}},
                         "required": ["agent", "run"], "additionalProperties": False}}
    yoked = {"if": {"properties": {"controller": {"const": "yoked"}}}, "then": {"required": ["partner"]}, "else": {"not": {"required": ["partner"]}}}
    return {"type": "object", "properties": props, "required": ["agent", "controller", "unit", "budget", "evaluation", *OVERRIDABLE],
            "additionalProperties": False, "if": agent["if"], "then": agent["then"], "else": agent["else"], "allOf": [yoked]}


_RESOLVED_VALIDATOR = jsonschema.Draft202012Validator(resolved_schema())


def validate_resolved(resolved: Any, where: str = "--config-json") -> dict:
    """Check one agent's resolved settings (what the workflow passes to a training job)."""
    if not isinstance(resolved, dict):
        raise ConfigError(f"{where}: expected a JSON object, got {type(resolved).__name__}")
    _check_finite(resolved, (), "")
    errors = list(_RESOLVED_VALIDATOR.iter_errors(resolved))
    if errors:
        raise ConfigError(f"{where}: " + _message(max(errors, key=lambda e: len(e.absolute_path)), ""))
    _check_semantics("", resolved)
    return resolved


def analysis_settings(cfg: dict) -> dict:
    """What aggregation, figures and the report depend on (and nothing that only affects training)."""
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
        "env": dict(cfg["env"]),
        "oracle": [a for a in oracle_agents() if a in cfg["agents"]] if p["oracle"] else [],
        "eval_episodes": p["eval_episodes"],
    }


def reference_markdown(defaults: dict) -> str:
    """config/README.md: every key of the settings table with its value in `defaults` (the
    paper protocol), what a valid value is and what the key changes."""
    lines = [
        "# Config reference",
        "",
        "Generated by `python -m nasdqn config-doc --out config/README.md` from the settings table in",
        "`nasdqn/settings/config.py` (the same table the JSON schema `workflow/schemas/config.schema.yaml` is",
        "generated from); the defaults are the values of `config/config.yaml`, the paper protocol.",
        "A test keeps this page, the schema and the table in agreement. Every key is required unless",
        "marked optional; choices the paper does not make are argued in `docs/assumptions.md`, the",
        "decision rule of the `analysis` keys in `docs/statistics.md`.",
        "",
    ]
    tables = [(s, SECTION_TEXT[s], SECTIONS[s]) for s in SECTIONS] + [("roles", "which agent plays which part in the paper's claims", ROLES)]
    for name, text, table in tables:
        lines += [f"## `{name}`: {text}", "", "| key | default | valid values | what it changes |", "|---|---|---|---|"]
        for key, setting in table.items():
            value = json.dumps(defaults.get(name, {}).get(key))
            lines.append(f"| `{name}.{key}` | `{value}` | {setting.expects} | {setting.description} |")
        lines.append("")
    lines += [
        "## `agents`: the agents of the study, by name",
        "",
        "Each entry takes the keys below; `env`, `dqn` and `nas` entries under an agent override the",
        "global sections for that agent only (so only its training jobs rerun).",
        "",
        "| key | valid values | what it changes |",
        "|---|---|---|",
    ]
    for key, setting in {**AGENT_KEYS, **{f"architecture.{k}": v for k, v in ARCHITECTURE_KEYS.items()}}.items():
        lines.append(f"| `agents.NAME.{key}` | {setting.expects} | {setting.description} |")
    lines += ["| `agents.NAME.env` / `.dqn` / `.nas` | a mapping of keys of that section | per-agent overrides |", ""]
    return "\n".join(lines)
