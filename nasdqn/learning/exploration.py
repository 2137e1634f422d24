"""Epsilon-greedy exploration of every run (section 2.3.1), as one vector computation.

epsilon(c) = epsilon_start + min(1, c / epsilon_decay) (epsilon_end - epsilon_start): a linear
decay over the protocol's clock c (episodes completed, or environment steps). With
nas.exploration_after_transition = restart, a transition at clock c0 lifts epsilon to
restart_epsilon, annealed back to epsilon_end over restart_decay: max(global, restart + min(1,
(c - c0) / restart_decay) (end - restart)). Epsilon is set at the start of each episode from the
run's clock, in either unit (so on the pendulum, whose episodes all last T steps, a protocol
counted in steps is the same protocol as one counted in episodes, bit for bit).
"""
from __future__ import annotations

import numpy as np

from nasdqn.learning.spec import AgentSpec
from nasdqn.learning.state import Stateful


class Exploration(Stateful):
    """Saves the clock of each run's last switch (NaN: none yet, or exploration continues)."""

    SAVED = ("last_switch",)

    def __init__(self, specs: list[AgentSpec]) -> None:
        self.start = np.array([s.dqn.epsilon_start for s in specs])
        self.end = np.array([s.dqn.epsilon_end for s in specs])
        self.decay = np.array([float(s.dqn.epsilon_decay) for s in specs])
        self.restarts = np.array([s.controller != "fixed" and s.nas.exploration_after_transition == "restart" for s in specs])
        self.restart_epsilon = np.array([s.nas.restart_epsilon for s in specs])
        self.restart_decay = np.array([float(s.nas.restart_decay) for s in specs])
        self.last_switch = np.full(len(specs), np.nan)

    def switched(self, i: int, clock: float) -> None:
        """Run i changed architecture at this clock (its next episode or step is the first on it)."""
        if self.restarts[i]:
            self.last_switch[i] = clock

    def epsilon(self, clock: np.ndarray, runs: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Epsilon of `runs` at their clocks (one value per run, float64)."""
        start, end, decay = self.start[runs], self.end[runs], self.decay[runs]
        with np.errstate(divide="ignore", invalid="ignore"):
            eps = np.where(decay > 0, start + np.minimum(1.0, clock / decay) * (end - start), end)
        c0 = self.last_switch[runs]
        if np.isnan(c0).all():
            return eps
        with np.errstate(invalid="ignore"):
            frac = np.minimum(1.0, (clock - c0) / self.restart_decay[runs])
            restarted = self.restart_epsilon[runs] + frac * (end - self.restart_epsilon[runs])
        return np.where(np.isnan(c0), eps, np.maximum(eps, restarted))
