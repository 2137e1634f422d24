"""How long a run trains, and the unit every schedule of the protocol is counted in.

`protocol.unit` is "episodes" (the paper: 2000 episodes, windows of M = 200 episodes) or "steps"
(environment steps: every agent gets the same experience, however long its episodes last). The
budget, the architecture window M, the epsilon schedule, the exploration restart after a switch,
the controller's score window and the evaluation period are all counted in it; learning_starts,
train_freq and target_update_steps are always environment steps. On the pendulum every episode
lasts T steps, so both units describe the same protocol (the runs are byte-identical).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nasdqn.settings.space import check_choices
from nasdqn.settings.table import Unit


@dataclass(frozen=True)
class Budget:
    unit: Unit
    amount: int

    def __post_init__(self) -> None:
        check_choices(self)
        if self.amount <= 0:
            raise ValueError(f"protocol.budget: expected a positive integer, got {self.amount}")

    @property
    def in_steps(self) -> bool:
        return self.unit == "steps"

    def clock(self, episodes_done: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """Each run's time in the protocol's unit."""
        return steps if self.in_steps else episodes_done

    def remaining(self, episodes_done: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """Runs still training."""
        return self.clock(episodes_done, steps) < self.amount

    def spent_steps(self, steps: np.ndarray) -> np.ndarray:
        """Runs whose step budget is spent (a budget in steps ends inside an episode; one in
        episodes never does)."""
        return steps >= self.amount if self.in_steps else np.zeros(len(steps), dtype=bool)

    def describe(self) -> str:
        return f"{self.amount:,} {self.unit}"
