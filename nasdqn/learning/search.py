"""The outer loop of Algorithm 1 (section 2.3.3) for every run of a process: windows, scores, picks.

A run's architecture window k spans its clock (episodes, or environment steps: protocol.unit)
from k M to (k + 1) M, M = nas.arch_update_interval; it ends at the first episode end at or after
(k + 1) M, and at the end of the budget. Then the controller scores the architecture in use
(S(c)), records it and picks the next one. A pick that differs from the architecture in use is a
switch (what the run then learns with: nasdqn/learning/switch.py). With a commit phase
(nas.commit_at < 1) the first window end at or after that share of the budget makes the last pick
(`commit`); its window lasts to the end of the budget. Which readings of "model transition" and
"memory pruning" are used, and why, is in docs/assumptions.md.
"""
from __future__ import annotations

import numpy as np

from nasdqn.learning.budget import Budget
from nasdqn.learning.controller import CONTROLLERS, Pick
from nasdqn.learning.spec import AgentSpec
from nasdqn.learning.switch import logs_warm_starts
from nasdqn.settings.space import Architecture
from nasdqn.tasks.base import TaskInfo


class ArchitectureSearch:
    """Controllers, architecture windows and commit phases of every run.

    Saves (state_dict): each controller's state, each run's window rows (the rows of
    architectures.csv, whose last entry is the window in progress) and which runs have committed.
    """

    def __init__(self, specs: list[AgentSpec], controller_rngs: list[np.random.Generator], budget: Budget, task: TaskInfo) -> None:
        self.specs, self.budget, self.task = specs, budget, task
        self.controllers = [CONTROLLERS[s.controller](s) for s in specs]
        picks = [c.initial(r) for c, r in zip(self.controllers, controller_rngs)]
        self.initial = [p.arch for p in picks]
        self.windows = [[self._row(i, 0, p, transition=False, start_episode=1)] for i, p in enumerate(picks)]
        self.committed = np.zeros(len(specs), dtype=bool)

    def _row(self, i: int, window: int, pick: Pick, transition: bool, start_episode: int, to_the_end: bool = False) -> dict:
        # counted in episodes, a window's last episode is known when it opens; in steps, when it closes
        if self.budget.in_steps:
            end = -1
        else:
            end = self.budget.amount if to_the_end else min((window + 1) * self.specs[i].nas.arch_update_interval, self.budget.amount)
        row = {
            "window": window, "start_episode": start_episode, "end_episode": end,
            "architecture": pick.arch.name, "layers": pick.arch.layers, "units": pick.arch.units,
            "activation": pick.arch.activation, "score": float("nan"), "controller_epsilon": pick.epsilon,
            "pick": pick.kind, "transition": transition,
        }
        if logs_warm_starts(self.specs[i]):
            row.update({"warm_start": "", "agreement": float("nan"), "q_error": float("nan"), "warm_start_steps": 0})
        return row

    def window_ends(self, i: int, episode: int, clock: int) -> bool:
        """Whether run i's window ends with its episode `episode` (ended at `clock`); after a commit
        the window lasts to the end of the budget."""
        if self.committed[i]:
            return (clock if self.budget.in_steps else episode) >= self.budget.amount
        m = self.specs[i].nas.arch_update_interval
        if not self.budget.in_steps:
            return episode % m == 0 or episode == self.budget.amount
        return clock >= (self.windows[i][-1]["window"] + 1) * m or clock >= self.budget.amount

    def score(self, i: int, returns: list[float], lengths: list[int], episode: int) -> float:
        """S(c) of the window that ends with episode `episode`, by nas.score: the mean return of its
        last k episodes (tail_mean), of the whole window (window_mean), or the best mean of k
        consecutive episodes in it (best_rolling). k = nas.score_window episodes, or in steps the
        episodes that ended within the window's last score_window steps (at least one)."""
        nas = self.specs[i].nas
        first = self.windows[i][-1]["start_episode"] - 1
        window = np.asarray(returns[first:episode], dtype=np.float64)
        if not window.size:
            return float("nan")  # no episode ended in this window (the budget ran out inside one)
        if self.budget.in_steps:
            ends = np.cumsum(lengths[first:episode])
            k = max(1, int(np.sum(ends > ends[-1] - nas.score_window)))
        else:
            k = min(nas.score_window, window.size)
        if nas.score == "window_mean":
            return float(np.mean(window))
        if nas.score == "best_rolling":
            c = np.concatenate([[0.0], np.cumsum(window)])
            return float(np.max((c[k:] - c[:-k]) / k))
        return float(np.mean(window[window.size - k :]))

    def end_window(self, i: int, arch: Architecture, returns: list[float], lengths: list[int], episode: int, clock: int,
                   final: bool, rng: np.random.Generator) -> Pick | None:
        """Score run i's window (architecture `arch` in use); unless the run is over (`final`), pick
        the next architecture (the last pick once the clock reaches nas.commit_at of the budget) and
        open its window. Returns the pick when it differs from `arch` (a switch)."""
        row = self.windows[i][-1]
        row["score"] = self.score(i, returns, lengths, episode)
        if self.budget.in_steps:
            row["end_episode"] = episode
        if final:
            return None
        commit = clock >= self.specs[i].nas.commit_at * self.budget.amount
        update = self.controllers[i].commit if commit else self.controllers[i].update
        pick = update(arch, row["score"], rng)
        self.committed[i] |= commit
        switch = pick.arch != arch
        self.windows[i].append(self._row(i, row["window"] + 1, pick, switch, episode + 1, to_the_end=commit))
        return pick if switch else None

    def best_window(self, i: int) -> int:
        """The window of run i with the highest score (the first of ties; NaN scores never win)."""
        scores = np.array([row["score"] for row in self.windows[i]], dtype=np.float64)
        return int(np.nanargmax(scores)) if np.isfinite(scores).any() else len(scores) - 1

    def state_dict(self) -> dict:
        return {"controllers": [c.state_dict() for c in self.controllers], "windows": [list(w) for w in self.windows],
                "committed": self.committed.copy()}

    def load_state_dict(self, state: dict) -> None:
        for c, s in zip(self.controllers, state["controllers"]):
            c.load_state_dict(s)
        self.windows = [[dict(r) for r in w] for w in state["windows"]]
        self.committed = np.asarray(state["committed"]).copy()
