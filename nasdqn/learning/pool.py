"""The learners of all runs in one process, grouped so that one stacked network serves many.

Runs that currently use the same architecture and the same learner settings form one
`DQNGroup` (stacked weights, batched matmuls). The pool acts, learns, syncs targets and
checks finiteness group by group, and regroups when an architecture search replaces one
run's network. Every run keeps its own weights, optimiser state and random draws, so a run
computes the same numbers whichever runs share its group.
"""
from __future__ import annotations

import numpy as np

from nasdqn.learning.dqn import DQNGroup, DQNSettings, MemberState
from nasdqn.learning.replay import ReplayBuffer
from nasdqn.settings.faults import fault_point
from nasdqn.settings.space import SEARCH_SPACE, Architecture


class LearnerPool:
    """Saves (state_dict): every run's architecture, online and target weights and optimiser state."""

    def __init__(self, archs: list[Architecture], members: list[MemberState], settings: list[DQNSettings]) -> None:
        self.settings = list(settings)
        self.archs = list(archs)
        self.groups = self._build(members)
        # per-run schedules as arrays: the per-step due checks are then one vector op each
        self._learning_starts = np.array([s.learning_starts for s in settings])
        self._train_freq = np.array([s.train_freq for s in settings])
        self._target_period = np.array([s.target_update_steps for s in settings])
        self._one_schedule = len({(s.learning_starts, s.train_freq, s.target_update_steps) for s in settings}) == 1

    def _build(self, members: list[MemberState]) -> list[DQNGroup]:
        """One group per (architecture, learner settings), in search-space order."""
        groups = []
        kinds = list(dict.fromkeys(self.settings))
        for arch in SEARCH_SPACE:
            for s in kinds:
                idx = [i for i, (a, si) in enumerate(zip(self.archs, self.settings)) if a == arch and si == s]
                if idx:
                    groups.append(DQNGroup(arch, idx, [members[i] for i in idx], s))
        return groups

    @property
    def n(self) -> int:
        return len(self.archs)

    def members(self) -> list[MemberState]:
        out: list[MemberState | None] = [None] * self.n
        for g in self.groups:
            for k, i in enumerate(g.runs):
                out[int(i)] = g.member(k)
        return out  # type: ignore[return-value]

    def online_params(self, i: int) -> list[np.ndarray]:
        """A copy of run i's online network parameters (init_params layout)."""
        for g in self.groups:
            hit = np.flatnonzero(g.runs == i)
            if hit.size:
                return g.online.member(int(hit[0]))
        raise IndexError(f"run {i} is in no learner group")

    def replace(self, new: dict[int, tuple[Architecture, MemberState]]) -> None:
        """Give run i architecture new[i][0] with the learner new[i][1] (a switch). The
        kill-and-resume tests' fault point "transition" is here."""
        fault_point("transition")
        members = self.members()
        for i, (arch, member) in new.items():
            self.archs[i], members[i] = arch, member
        self.groups = self._build(members)

    # ----- acting and learning ---------------------------------------------------------------
    def greedy(self, obs: np.ndarray) -> np.ndarray:
        """argmax_a Q(s, a; w) of every run for its observation (n, obs_dim)."""
        if len(self.groups) == 1:
            return self.groups[0].greedy_actions(obs)
        out = np.empty(self.n, dtype=np.int64)
        for g in self.groups:
            out[g.runs] = g.greedy_actions(obs[g.runs])
        return out

    def learn(self, steps: np.ndarray, active: np.ndarray, memory: ReplayBuffer, uniforms) -> None:
        """A training step of every run whose step count makes it due: dqn.gradient_steps gradient
        updates, each on its own minibatch (steps: each run's environment steps so far;
        uniforms(runs) gives those runs' minibatch uniforms (G, gradient_steps x B), minibatch k in
        columns k B .. (k + 1) B)."""
        due = due_mask(steps, active, self._same_step(steps), self._one_schedule, self._train_freq, self._learning_starts)
        for g, mask in due_groups(self.groups, due):
            u, b = uniforms(g.runs), g.s.batch_size
            for k in range(g.s.gradient_steps):
                g.update(memory.sample(g.runs, u[:, k * b : (k + 1) * b]), mask)

    def sync_targets(self, steps: np.ndarray, active: np.ndarray) -> None:
        """w^- <- w for every run whose target period ends at its current step."""
        for g, mask in due_groups(self.groups, due_mask(steps, active, self._same_step(steps), self._one_schedule, self._target_period)):
            g.sync_target(mask)

    def _same_step(self, steps: np.ndarray) -> int | None:
        """The one step count of every run, when they are equal and share one schedule (the fast path)."""
        return int(steps[0]) if self._one_schedule and (steps == steps[0]).all() else None

    def first_diverged(self, runs: np.ndarray | None = None) -> int | None:
        """A run (of `runs`, or of all) whose loss or weights became NaN/inf, if any: one check of
        each group's flat buffer, and a search through its members only when it fails."""
        wanted = None if runs is None else np.isin(np.arange(self.n), runs)
        for g in self.groups:
            if wanted is not None and not wanted[g.runs].any():
                continue
            if np.isfinite(g.loss_sum).all() and np.isfinite(g.online.flat).all():
                continue
            bad = ~np.isfinite(g.loss_sum)
            for p in g.online.params:
                bad |= ~np.isfinite(p).reshape(p.shape[0], -1).all(axis=1)
            return int(g.runs[int(np.flatnonzero(bad)[0])])
        return None

    def take_mean_losses(self, runs: np.ndarray) -> np.ndarray:
        """Mean loss of each of `runs` since its last call (NaN where no update happened)."""
        losses = np.full(self.n, np.nan)
        wanted = np.zeros(self.n, dtype=bool)
        wanted[runs] = True
        for g in self.groups:
            members = np.flatnonzero(wanted[g.runs])
            if members.size:
                losses[g.runs[members]] = g.take_mean_loss(None if members.size == len(g.runs) else members)
        return losses

    # ----- state ----------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {"archs": [a.name for a in self.archs], "members": [vars(m) for m in self.members()]}

    def load_state_dict(self, state: dict) -> None:
        self.archs = [Architecture.parse(n) for n in state["archs"]]
        self.groups = self._build([MemberState(**m) for m in state["members"]])


def due_mask(steps: np.ndarray, active: np.ndarray, same_step: int | None, one_schedule: bool, every: np.ndarray,
             starts: np.ndarray | None = None) -> np.ndarray | None:
    """The active runs whose step count is a multiple of `every` (and at least `starts`), as a
    mask; None when the scalar test (every run at one step count) finds none due."""
    if same_step is not None and one_schedule:
        due = same_step % every[0] == 0 and (starts is None or same_step >= starts[0])
        return active if due else None
    due = active & (steps % every == 0)
    return due if starts is None else due & (steps >= starts)


def due_groups(groups: list[DQNGroup], due: np.ndarray | None):
    """Each group with a due member: (group, None) when all its members are due, else
    (group, their mask)."""
    if due is None or not due.any():
        return
    for g in groups:
        mine = due[g.runs]
        if mine.any():
            yield g, None if mine.all() else mine
