"""The outer loop of Algorithm 1 (section 2.3.3) for every run of a process.

A run's architecture window k spans its clock (episodes, or environment steps: protocol.unit)
from k M to (k + 1) M, M = nas.arch_update_interval; it ends at the first episode end at or after
(k + 1) M, and at the end of the budget. Then the controller scores the architecture in use
(S(c)), records it and picks the next one. A pick that differs from the current architecture
triggers the model transition (a new network) and memory pruning. Which readings of "model
transition" and "memory pruning" are used, and why, is in docs/assumptions.md.
"""
from __future__ import annotations

import numpy as np

from nasdqn.learning import transition as model_transition
from nasdqn.learning.budget import Budget
from nasdqn.learning.controller import CONTROLLERS, Pick
from nasdqn.learning.dqn import MemberState, ReplayBuffer, fresh_member
from nasdqn.learning.spec import AgentSpec
from nasdqn.settings.space import Architecture
from nasdqn.tasks.base import TaskInfo


class ArchitectureSearch:
    """Controllers, architecture windows and transitions of every run.

    Saves (state_dict): each controller's state and each run's window rows (the rows of
    architectures.csv, whose last entry is the window in progress).
    """

    def __init__(self, specs: list[AgentSpec], controller_rngs: list[np.random.Generator], budget: Budget, task: TaskInfo) -> None:
        self.specs, self.budget, self.task = specs, budget, task
        self.controllers = [CONTROLLERS[s.controller](s) for s in specs]
        picks = [c.initial(r) for c, r in zip(self.controllers, controller_rngs)]
        self.windows = [[self._row(i, 0, p, transition=False, start_episode=1)] for i, p in enumerate(picks)]

    def current(self, i: int) -> str:
        return self.windows[i][-1]["architecture"]

    def _row(self, i: int, window: int, pick: Pick, transition: bool, start_episode: int) -> dict:
        m = self.specs[i].nas.arch_update_interval
        # counted in episodes, a window's last episode is known when it opens; in steps, when it closes
        end = min((window + 1) * m, self.budget.amount) if not self.budget.in_steps else -1
        return {
            "window": window, "start_episode": start_episode, "end_episode": end,
            "architecture": pick.arch.name, "layers": pick.arch.layers, "units": pick.arch.units,
            "activation": pick.arch.activation, "score": float("nan"), "controller_epsilon": pick.epsilon,
            "pick": pick.kind, "transition": transition,
        }

    def window_ends(self, i: int, episode: int, clock: int) -> bool:
        """Whether run i's window ends with its episode `episode` (ended at `clock`)."""
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

    def end_window(self, i: int, returns: list[float], lengths: list[int], episode: int, final: bool,
                   rng: np.random.Generator) -> Pick | None:
        """Score run i's window; unless the run is over (`final`), pick the next architecture and open
        its window. Returns the pick when it differs from the current architecture (a transition)."""
        row = self.windows[i][-1]
        row["score"] = self.score(i, returns, lengths, episode)
        if self.budget.in_steps:
            row["end_episode"] = episode
        if final:
            return None
        pick = self.controllers[i].update(Architecture.parse(row["architecture"]), row["score"], rng)
        transition = pick.arch.name != row["architecture"]
        self.windows[i].append(self._row(i, row["window"] + 1, pick, transition, episode + 1))
        return pick if transition else None

    def transition(self, i: int, old: MemberState, pick: Pick, buffer: ReplayBuffer, init_rng: np.random.Generator) -> MemberState:
        """Model transition and memory pruning for run i moving to pick.arch.

        The new network starts fresh (section 2.2.2), then by nas.transition stays so
        (reinit), takes the old network's overlapping blocks (inherit) or is distilled from
        the old network on the replay memory (distill); its optimiser restarts and its target
        is synced to it. Memory pruning "keep_recent" then keeps the most recent
        prune_keep_fraction of the run's replay memory (at least learning_starts). Called
        after end_window opened the new window, so the old architecture is the previous row's.
        """
        nas, dqn = self.specs[i].nas, self.specs[i].dqn
        member = fresh_member(pick.arch, init_rng, self.task.obs_dim, self.task.n_actions)
        if nas.transition == "inherit":
            member.online = model_transition.inherit_params(old.online, member.online)
        elif nas.transition == "distill":
            states = buffer.obs[i, : int(buffer.size[i])]
            old_arch = Architecture.parse(self.windows[i][-2]["architecture"])
            member.online = model_transition.distill(old.online, old_arch, member.online, pick.arch,
                                                     states, nas.distill_steps, dqn.batch_size, nas.distill_learning_rate, init_rng)
        member.target = [p.copy() for p in member.online]
        if nas.memory_pruning == "keep_recent":
            size = int(buffer.size[i])
            buffer.keep_recent(i, max(int(round(nas.prune_keep_fraction * size)), min(size, dqn.learning_starts)))
        return member

    def state_dict(self) -> dict:
        return {"controllers": [c.state_dict() for c in self.controllers], "windows": [list(w) for w in self.windows]}

    def load_state_dict(self, state: dict) -> None:
        for c, s in zip(self.controllers, state["controllers"]):
            c.load_state_dict(s)
        self.windows = [[dict(r) for r in w] for w in state["windows"]]
