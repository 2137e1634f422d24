"""The outer loop of Algorithm 1 (section 2.3.3) for every run of a process.

Every `arch_update_interval` episodes a run's window ends: the controller scores the
architecture in use (S(c)), records it and picks the next one. A pick that differs from the
current architecture triggers the model transition (a new network) and memory pruning.
Which readings of "model transition" and "memory pruning" are used, and why, is in
docs/assumptions.md.
"""
from __future__ import annotations

import numpy as np

from nasdqn.learning import transition as model_transition
from nasdqn.learning.controller import FixedController, NASController, Pick, RandomController
from nasdqn.learning.dqn import MemberState, ReplayBuffer, fresh_member
from nasdqn.learning.spec import AgentSpec
from nasdqn.settings.columns import ARCHITECTURE_COLUMNS  # noqa: F401  (re-exported: the rows the search logs)
from nasdqn.settings.space import Architecture
from nasdqn.tasks.base import TaskInfo

Controller = FixedController | RandomController | NASController


def make_controller(spec: AgentSpec) -> Controller:
    if spec.controller == "fixed":
        assert spec.architecture is not None
        return FixedController(spec.architecture)
    if spec.controller == "random":
        return RandomController(spec.nas)
    if spec.controller == "nas":
        return NASController(spec.nas)
    raise ValueError(f"controller: expected 'fixed', 'random' or 'nas', got {spec.controller!r}")


class ArchitectureSearch:
    """Controllers, architecture windows and transitions of every run.

    Saves (state_dict): each controller's state and each run's window rows (the rows of
    architectures.csv, whose last entry is the window in progress).
    """

    def __init__(self, specs: list[AgentSpec], controller_rngs: list[np.random.Generator], episodes: int, task: TaskInfo) -> None:
        self.specs = specs
        self.episodes = episodes
        self.task = task
        self.controllers = [make_controller(s) for s in specs]
        picks = [c.initial(r) for c, r in zip(self.controllers, controller_rngs)]
        self.windows = [[self._row(i, 0, p, transition=False)] for i, p in enumerate(picks)]

    def current(self, i: int) -> str:
        return self.windows[i][-1]["architecture"]

    def _row(self, i: int, window: int, pick: Pick, transition: bool) -> dict:
        m = self.specs[i].nas.arch_update_interval
        return {
            "window": window, "start_episode": window * m + 1, "end_episode": min((window + 1) * m, self.episodes),
            "architecture": pick.arch.name, "layers": pick.arch.layers, "units": pick.arch.units,
            "activation": pick.arch.activation, "score": float("nan"), "controller_epsilon": pick.epsilon,
            "pick": pick.kind, "transition": transition,
        }

    def window_ends(self, i: int, episode: int) -> bool:
        return episode % self.specs[i].nas.arch_update_interval == 0 or episode == self.episodes

    def score(self, i: int, returns: list[float], episode: int) -> float:
        """S(c) of the window just ended, by nas.score: the mean return of its last
        score_episodes episodes (tail_mean), of the whole window (window_mean), or the best
        mean of score_episodes consecutive episodes in it (best_rolling)."""
        nas = self.specs[i].nas
        window = np.asarray(returns[self.windows[i][-1]["start_episode"] - 1 : episode], dtype=np.float64)
        k = min(nas.score_episodes, window.size)
        if nas.score == "window_mean":
            return float(np.mean(window))
        if nas.score == "best_rolling":
            c = np.concatenate([[0.0], np.cumsum(window)])
            return float(np.max((c[k:] - c[:-k]) / k))
        return float(np.mean(window[window.size - k :]))

    def epsilon(self, i: int, episode: int, base: float) -> float:
        """The agent's epsilon for the coming episode: the global schedule (`base`), or with
        nas.exploration_after_transition = restart, at least restart_epsilon right after the
        last transition, annealed to dqn.epsilon_end over restart_decay_episodes."""
        nas = self.specs[i].nas
        starts = [w["start_episode"] for w in self.windows[i] if w["transition"]]
        if nas.exploration_after_transition == "continue" or not starts:
            return base
        frac = min(1.0, (episode - (starts[-1] - 1)) / nas.restart_decay_episodes)
        return max(base, nas.restart_epsilon + frac * (self.specs[i].dqn.epsilon_end - nas.restart_epsilon))

    def end_window(self, i: int, returns: list[float], episode: int, rng: np.random.Generator) -> Pick | None:
        """Score run i's window; unless the run is over, pick the next architecture and open its
        window. Returns the pick when it differs from the current architecture (a transition)."""
        row = self.windows[i][-1]
        row["score"] = self.score(i, returns, episode)
        if episode == self.episodes:
            return None
        pick = self.controllers[i].update(Architecture.parse(row["architecture"]), row["score"], rng)
        transition = pick.arch.name != row["architecture"]
        self.windows[i].append(self._row(i, episode // self.specs[i].nas.arch_update_interval, pick, transition))
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
        self.windows = [list(w) for w in state["windows"]]
