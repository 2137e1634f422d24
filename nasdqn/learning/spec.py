"""What one training run is: an agent fully resolved from the config, and a seed."""
from __future__ import annotations

from dataclasses import dataclass

from nasdqn.learning.controller import NASSettings
from nasdqn.learning.dqn import DQNSettings
from nasdqn.settings.space import Architecture, check_choices
from nasdqn.settings.table import Controller
from nasdqn.tasks.base import TaskSettings


@dataclass(frozen=True)
class AgentSpec:
    """One agent of the study, fully resolved from the config."""

    name: str
    controller: Controller
    architecture: Architecture | None  # fixed agents only
    dqn: DQNSettings
    nas: NASSettings
    env: TaskSettings

    def __post_init__(self) -> None:
        check_choices(self)
        if (self.controller == "fixed") != (self.architecture is not None):
            raise ValueError(f"agent {self.name!r}: a fixed agent needs an architecture, and only a fixed agent takes one")


@dataclass(frozen=True)
class Run:
    """One agent trained on one seed: the unit of the workflow and of every results folder."""

    spec: AgentSpec
    seed: int


def agent_spec(resolved: dict) -> AgentSpec:
    """An AgentSpec from resolve.resolved_agent_config's output (keys it leaves out, which this
    agent's runs never read or which hold their default, take the settings table's defaults)."""
    return AgentSpec(
        name=resolved["agent"],
        controller=resolved["controller"],
        architecture=Architecture(**resolved["architecture"]) if "architecture" in resolved else None,
        dqn=DQNSettings.from_config(resolved["dqn"]),
        nas=NASSettings.from_config(resolved["nas"]),
        env=TaskSettings.from_config(resolved["env"]),
    )
