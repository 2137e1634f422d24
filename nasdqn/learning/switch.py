"""What a run learns with after a switch (its controller picked another architecture): the
learner it left on that architecture (nas.revisit = resume) or a new one started by the reading of
nas.transition (nasdqn/learning/warm_start.py), and the memory pruning of nas.memory_pruning.
With nas.transition = grow, how each switch's network started and how faithfully it reproduces the
old one is written into the new window's row (WARM_START_COLUMNS of architectures.csv).
"""
from __future__ import annotations

import copy

import numpy as np

from nasdqn.learning import warm_start
from nasdqn.learning.controller import Pick
from nasdqn.learning.dqn import MemberState, fresh_member
from nasdqn.learning.replay import ReplayBuffer
from nasdqn.learning.spec import AgentSpec
from nasdqn.settings.columns import WARM_START_COLUMNS
from nasdqn.settings.space import Architecture
from nasdqn.tasks.base import TaskInfo


def logs_warm_starts(spec: AgentSpec) -> bool:
    """Whether the runs of this agent log WARM_START_COLUMNS (a searching agent with nas.transition = grow)."""
    return spec.controller != "fixed" and spec.nas.transition == "grow"


class Switches:
    """The learners each run left behind, by architecture. Saves (state_dict) them."""

    def __init__(self, specs: list[AgentSpec], task: TaskInfo) -> None:
        self.specs, self.task = specs, task
        self.left: list[dict[str, MemberState]] = [{} for _ in specs]  # architecture name -> the learner left on it

    def new_learner(self, i: int, old_arch: Architecture, old: MemberState, pick: Pick, memory: ReplayBuffer,
                    init_rng: np.random.Generator, row: dict) -> MemberState:
        """The learner run i switches to (`row`: the window the switch opens), and the memory
        pruning of the switch. With nas.revisit = resume an architecture the run used before
        resumes the learner it left there (weights, target and optimiser state as they were);
        otherwise the new network starts fresh (section 2.2.2), then by nas.transition stays so
        (reinit), takes the old network's overlapping blocks (inherit), is distilled from it on the
        replay memory (distill) or grown from it (grow); its optimiser restarts and its target is
        synced to it. Memory pruning "keep_recent" then keeps the most recent prune_keep_fraction
        of the run's replay memory (at least learning_starts)."""
        nas, dqn = self.specs[i].nas, self.specs[i].dqn
        if nas.revisit == "resume":
            self.left[i][old_arch.name] = old
        member = self.left[i].pop(pick.arch.name, None) if nas.revisit == "resume" else None
        states = memory.obs[i, : int(memory.size[i])]
        if member is not None:
            if logs_warm_starts(self.specs[i]):
                probe = warm_start.probe_states(states, init_rng)
                achieved = warm_start.fidelity(old.online, old_arch, member.online, pick.arch, probe)
                row.update(dict(zip(WARM_START_COLUMNS, ("resume", achieved.agreement, achieved.q_error, 0))))
        else:
            member = fresh_member(pick.arch, init_rng, self.task.obs_dim, self.task.n_actions)
            member.online = self._warm_start(i, old_arch, old, pick.arch, member.online, states, init_rng, row)
            member.target = [p.copy() for p in member.online]
        if nas.memory_pruning == "keep_recent":
            size = int(memory.size[i])
            memory.keep_recent(i, max(int(round(nas.prune_keep_fraction * size)), min(size, dqn.learning_starts)))
        return member

    def _warm_start(self, i: int, old_arch: Architecture, old: MemberState, arch: Architecture, fresh: list[np.ndarray],
                    states: np.ndarray, rng: np.random.Generator, row: dict) -> list[np.ndarray]:
        nas, dqn = self.specs[i].nas, self.specs[i].dqn
        if nas.transition == "inherit":
            return warm_start.inherit_params(old.online, fresh)
        if nas.transition == "distill":
            return warm_start.distill(old.online, old_arch, fresh, arch, states, nas.distill_steps, dqn.batch_size,
                                      nas.distill_learning_rate, rng)
        if nas.transition == "grow":
            started = warm_start.grow(old.online, old_arch, fresh, arch, states, nas, dqn.batch_size, rng)
            row.update(dict(zip(WARM_START_COLUMNS, (started.how, started.fidelity.agreement, started.fidelity.q_error, started.steps))))
            return started.params
        return fresh

    def state_dict(self) -> dict:
        return {"left": [{k: vars(m) for k, m in left.items()} for left in self.left]}

    def load_state_dict(self, state: dict) -> None:
        self.left = [{k: MemberState(**copy.deepcopy(m)) for k, m in left.items()} for left in state["left"]]
