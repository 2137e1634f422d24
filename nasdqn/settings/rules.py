"""The rules of a config that involve several keys (the schema checks one key at a time)."""
from __future__ import annotations

from nasdqn.settings.errors import ConfigError
from nasdqn.settings.space import Architecture

_INF = float("inf")


def check_semantics(where: str, cfg: dict) -> None:
    """The learner's and the controller's cross-key rules, on complete sections (a key a run does
    not read may be absent)."""
    dqn, nas = cfg["dqn"], cfg["nas"]
    rules = [
        (dqn["epsilon_end"] > dqn["epsilon_start"], "dqn.epsilon_end", "at most dqn.epsilon_start"),
        (nas.get("epsilon_min", 0) > nas.get("epsilon_start", _INF), "nas.epsilon_min", "at most nas.epsilon_start"),
        (nas["score_window"] > nas["arch_update_interval"], "nas.score_window", "at most nas.arch_update_interval"),
        (dqn["batch_size"] > dqn["replay_size"], "dqn.batch_size", "at most dqn.replay_size"),
        (dqn["learning_starts"] < dqn["batch_size"], "dqn.learning_starts", "at least dqn.batch_size"),
        (nas.get("restart_epsilon", _INF) < dqn["epsilon_end"], "nas.restart_epsilon", "at least dqn.epsilon_end"),
    ]
    for broken, key, expected in rules:
        if broken:
            raise ConfigError(f"config key '{where}{key}': expected {expected}")
    if nas.get("initial_architecture", "random") != "random":
        try:
            Architecture.parse(nas["initial_architecture"])
        except ValueError as exc:
            raise ConfigError(f"config key '{where}nas.initial_architecture': {exc}") from None


def check_roles(roles: dict, agents: dict) -> None:
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
        if partner is not None and (partner not in agents or agents[partner]["controller"] not in ("nas", "random")):
            raise ConfigError(f"config key 'agents.{name}.partner': {partner!r} must be an agent of this config that searches "
                              "(controller nas or random)")
    for key in ("random_search", "matched_random"):
        if roles[key] is not None and agents[roles[key]]["controller"] != "random":
            raise ConfigError(f"config key 'roles.{key}': {roles[key]!r} is not a random-search agent (controller: random)")
    baselines = (*roles["fixed"], roles["random_search"], roles["matched_random"])
    if roles["reference"] is not None and roles["reference"] in baselines:
        raise ConfigError("config key 'roles.reference': the reference agent cannot also be a baseline")


# The schedule a yoked agent must share with its partner, so that its update k is its partner's.
YOKED_SCHEDULE = ("arch_update_interval", "commit_at")


def check_partner(where: str, yoked: dict, partner: dict) -> None:
    """A yoked agent's windows and commit phase are its partner's (its switches are read by update)."""
    for key in YOKED_SCHEDULE:
        if yoked["nas"].get(key) != partner["nas"].get(key):
            raise ConfigError(f"config key '{where}nas.{key}': expected its partner {partner['agent']!r}'s value "
                              f"{partner['nas'].get(key)!r} (a yoked agent switches at its partner's updates), got {yoked['nas'].get(key)!r}")
