"""What one training run is: an agent fully resolved from the config, and a seed."""
from __future__ import annotations

from dataclasses import dataclass

from nasdqn.learning.controller import NASSettings
from nasdqn.learning.dqn import DQNSettings
from nasdqn.settings.space import Architecture, check_choices
from nasdqn.settings.table import Controller
from nasdqn.tasks.base import TaskSettings


@dataclass(frozen=True)
class PartnerWindows:
    """What a yoked run takes from its partner's run (the same seed of another agent): the
    partner's first architecture and, for each architecture update k = 0, 1, ..., whether the
    partner switched there (from its architectures.csv)."""

    agent: str
    initial: Architecture
    switches: tuple[bool, ...]

    @classmethod
    def from_rows(cls, agent: str, rows: list[dict]) -> "PartnerWindows":
        """From the partner's architectures.csv rows (window 0 first; `transition` "true"/"false")."""
        flags = tuple(str(r["transition"]).lower() == "true" for r in rows[1:])
        return cls(agent, Architecture.parse(str(rows[0]["architecture"])), flags)


@dataclass(frozen=True)
class AgentSpec:
    """One agent of the study, fully resolved from the config."""

    name: str
    controller: Controller
    architecture: Architecture | None  # fixed agents only
    dqn: DQNSettings
    nas: NASSettings
    env: TaskSettings
    partner: PartnerWindows | None = None  # a yoked agent's partner run (read by the training job)

    def __post_init__(self) -> None:
        check_choices(self)
        if (self.controller == "fixed") != (self.architecture is not None):
            raise ValueError(f"agent {self.name!r}: a fixed agent needs an architecture, and only a fixed agent takes one")
        if self.partner is not None and self.controller != "yoked":
            raise ValueError(f"agent {self.name!r}: only a yoked agent has a partner run")


@dataclass(frozen=True)
class Run:
    """One agent trained on one seed: the unit of the workflow and of every results folder."""

    spec: AgentSpec
    seed: int


def agent_spec(resolved: dict, partner: PartnerWindows | None = None) -> AgentSpec:
    """An AgentSpec from resolve.resolved_agent_config's output (keys it leaves out, which this
    agent's runs never read or which hold their default, take the settings table's defaults; a
    yoked agent's `partner`: its partner run's windows, which training needs)."""
    return AgentSpec(
        name=resolved["agent"],
        controller=resolved["controller"],
        architecture=Architecture(**resolved["architecture"]) if "architecture" in resolved else None,
        dqn=DQNSettings.from_config(resolved["dqn"]),
        nas=NASSettings.from_config(resolved["nas"]),
        env=TaskSettings.from_config(resolved["env"]),
        partner=partner,
    )
