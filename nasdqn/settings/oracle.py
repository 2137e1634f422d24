"""The oracle (protocol.oracle): the search space's 27 architectures as fixed agents."""
from __future__ import annotations

from nasdqn.settings.errors import ConfigError
from nasdqn.settings.space import SEARCH_SPACE


def oracle_agents() -> dict[str, dict]:
    """The search space's 27 architectures as fixed agents arch_{L}x{U}_{activation}, in space order."""
    return {f"arch_{a.layers}x{a.units}_{a.activation}": {"label": f"{a.layers}x{a.units} {a.activation}", "controller": "fixed",
                                                          "architecture": {"layers": a.layers, "units": a.units, "activation": a.activation}}
            for a in SEARCH_SPACE}


def with_oracle(cfg: dict) -> dict:
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
