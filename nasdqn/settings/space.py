"""The architecture search space of section 2.3.2, C = L x U x Sigma, in plain Python.

Kept free of numpy and torch so that the workflow can parse and validate a config with
nothing but Snakemake, PyYAML and jsonschema installed.
"""
from __future__ import annotations

import dataclasses
import itertools
import typing
from dataclasses import dataclass
from typing import Literal, get_args

Activation = Literal["relu", "tanh", "leaky_relu"]
LAYER_CHOICES = (2, 3, 4)
UNIT_CHOICES = (32, 64, 128)
ACTIVATIONS: tuple[str, ...] = get_args(Activation)
# The pendulum's observation (cos theta, sin theta, omega) and its three torques (section 2.1.2).
PENDULUM_OBS_DIM, PENDULUM_ACTIONS = 3, 3


def check_choices(obj: object) -> None:
    """Raise ValueError naming the field when a dataclass field typed Literal[...] holds
    anything but one of its values (so that no unknown option is silently accepted)."""
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        allowed = get_args(hints[f.name]) if typing.get_origin(hints[f.name]) is Literal else None
        value = getattr(obj, f.name)
        if allowed is not None and value not in allowed:
            raise ValueError(f"{f.name}: expected one of {', '.join(map(repr, allowed))}, got {value!r}")


@dataclass(frozen=True, order=True)
class Architecture:
    """c = (L hidden layers, U units each, activation sigma)."""

    layers: int
    units: int
    activation: Activation

    def __post_init__(self) -> None:
        for key, value, allowed in (("layers", self.layers, LAYER_CHOICES), ("units", self.units, UNIT_CHOICES),
                                    ("activation", self.activation, ACTIVATIONS)):
            if value not in allowed or isinstance(value, bool):
                raise ValueError(f"architecture.{key}: expected one of {allowed}, got {value!r}")

    @property
    def name(self) -> str:
        return f"{self.layers}x{self.units}-{self.activation}"

    def sizes(self, obs_dim: int = PENDULUM_OBS_DIM, n_actions: int = PENDULUM_ACTIONS) -> list[int]:
        """Layer widths n_0 .. n_{L+1} for a task with obs_dim inputs and n_actions outputs."""
        return [obs_dim] + [self.units] * self.layers + [n_actions]

    def n_params(self, obs_dim: int = PENDULUM_OBS_DIM, n_actions: int = PENDULUM_ACTIONS) -> int:
        s = self.sizes(obs_dim, n_actions)
        return sum(a * b + b for a, b in zip(s[:-1], s[1:]))

    @classmethod
    def parse(cls, name: str) -> "Architecture":
        """Inverse of `name`: '3x64-relu' -> Architecture(3, 64, 'relu')."""
        try:
            shape, activation = name.split("-", 1)
            layers, units = shape.split("x")
            return cls(int(layers), int(units), activation)  # type: ignore[arg-type]
        except ValueError as exc:
            raise ValueError(f"cannot parse architecture {name!r}: {exc}") from None


# C in a fixed order (figures and controller indices rely on it).
SEARCH_SPACE: tuple[Architecture, ...] = tuple(
    Architecture(l, u, a) for l, u, a in itertools.product(LAYER_CHOICES, UNIT_CHOICES, ACTIVATIONS)  # type: ignore[arg-type]
)
