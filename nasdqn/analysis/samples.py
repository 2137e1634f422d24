"""Per-run values by column and agent, vectorised over simulated studies.

The report judges one study (one row); the simulation tests judge thousands at once with the
same code, so every array here has shape (studies, seeds). A group of several agents (the pooled
fixed baselines of "3x faster than the fixed baselines") is named by joining them with '+'.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Unit = Literal["episodes", "steps"]
POOL = "+"  # joins the agents of a pooled group


def members(group: str) -> list[str]:
    return group.split(POOL)


def time_column(unit: Unit) -> str:
    """The per-run time to threshold in the protocol's unit (docs/statistics.md)."""
    return "steps_to_threshold" if unit == "steps" else "episodes_to_threshold"


@dataclass
class Samples:
    """Per-run values by column and agent, each of shape (studies, seeds), seeds in ascending order.

    budget: where a run that never reaches the threshold is censored, in `unit` (the episode
    budget, or the step budget at which every run of a step-counted protocol stops).
    """

    columns: dict[str, dict[str, np.ndarray]]
    budget: float
    unit: Unit = "episodes"
    seeds: tuple[int, ...] = ()

    def get(self, column: str, group: str) -> np.ndarray:
        """The runs of one agent, or of a pooled group 'a+b+c' side by side."""
        try:
            return np.concatenate([np.atleast_2d(self.columns[column][a]) for a in members(group)], axis=1)
        except KeyError as exc:
            raise KeyError(f"no per-run column {column!r} for {exc.args[0]!r}") from None

    def has(self, column: str, group: str) -> bool:
        return column in self.columns and all(a in self.columns[column] for a in members(group))

    @property
    def time(self) -> str:
        return time_column(self.unit)

    def n_seeds(self, agent: str) -> int:
        return int(np.atleast_2d(next(iter(self.columns.values()))[agent]).shape[1])

    @classmethod
    def from_table(cls, per_run: pd.DataFrame, budget: float, unit: Unit = "episodes") -> "Samples":
        cols: dict[str, dict[str, np.ndarray]] = {}
        groups = {agent: group.sort_values("seed") for agent, group in per_run.groupby("agent", sort=False)}
        for column in per_run.columns:
            if column in ("agent", "seed"):
                continue
            cols[column] = {agent: g[column].to_numpy(dtype=np.float64)[None, :] for agent, g in groups.items()}
        seeds = tuple(sorted({int(s) for s in per_run["seed"]})) if len(per_run) else ()
        return cls(cols, float(budget), unit, seeds)
