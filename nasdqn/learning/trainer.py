"""The two-level training loop of section 2.3.3 (Algorithm 1), for any runs in one process.

Inner loop (`Trainer.step`): every run acts epsilon-greedily with its current network, the task
steps, the experience is stored, every run whose schedule says so learns (Double DQN) and syncs
its target, and the episodes that ended are closed. Closing an episode (`close_episodes`)
records it, ends the architecture windows that end with it (the search scores the architecture
and picks the next), evaluates the runs whose greedy evaluation is due, and switches the
networks of the runs whose pick differs from the architecture in use.

Runs are kept apart as purejaxrl keeps its seed axis: every run draws all its randomness from its
own generators (spawned from its seed) and has its own counters, so a run's numbers do not depend
on which runs share its process. The parts hold the batch of runs (nasdqn/learning/state.py,
pool.py, replay.py, search.py and the task's environments); this module reads as the algorithm.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nasdqn.learning.budget import Budget
from nasdqn.learning.dqn import ReplayBuffer, fresh_member
from nasdqn.learning.exploration import Exploration
from nasdqn.learning.network import forward_np
from nasdqn.learning.pool import LearnerPool
from nasdqn.learning.search import ArchitectureSearch
from nasdqn.learning.spec import AgentSpec, Run
from nasdqn.learning.state import Counters, EpisodeDraws, Recorder, RunLog, Stateful
from nasdqn.learning.streams import seed_generators
from nasdqn.learning.switch import Switches
from nasdqn.settings.errors import TrainingDiverged
from nasdqn.settings.faults import fault_armed, fault_point
from nasdqn.settings.space import Architecture
from nasdqn.tasks import make_task
from nasdqn.tasks.evaluation import eval_generator

__all__ = ["Budget", "EvalSettings", "RunLog", "Trainer", "TrainingDiverged", "train"]


@dataclass(frozen=True)
class EvalSettings:
    """Greedy evaluation (epsilon = 0, no learning) at the first episode end after every `every`
    units of the protocol's clock, and at the end of the budget (0: off). It reads the networks and
    draws from the run's own evaluation stream only, so training is bit-identical with evaluation
    on or off. From the resolved config's `evaluation` (protocol.eval_every, protocol.eval_episodes)."""

    every: int
    episodes: int


NO_EVALUATION = EvalSettings(every=0, episodes=0)  # training without greedy evaluation


class EvalSchedule(Stateful):
    """When each run's next evaluation is due (saves the clock it is due at)."""

    SAVED = ("next_due",)

    def __init__(self, n: int, settings: EvalSettings) -> None:
        self.settings = settings
        self.next_due = np.full(n, settings.every, dtype=np.int64)

    def due(self, i: int, clock: int, final: bool) -> bool:
        every = self.settings.every
        if every <= 0 or not (final or clock >= self.next_due[i]):
            return False
        self.next_due[i] = (clock // every + 1) * every
        return True


class Trainer:
    """State of a training process, advanced one environment step at a time.

    Saves (state_dict) what its parts declare: counters, episode draws, the environments, the
    learners, the replay memory, the architecture search, exploration, the evaluation schedule,
    the recorder and every random generator.
    """

    PARTS = ("counters", "draws", "env", "learners", "memory", "search", "switches", "exploration", "evaluations", "recorder")

    def __init__(self, runs: list[Run], budget: Budget | int, evaluation: EvalSettings = NO_EVALUATION) -> None:
        """`budget`: a Budget, or a number of episodes."""
        budget = budget if isinstance(budget, Budget) else Budget("episodes", int(budget))
        _check_compatible(runs)
        self.runs, self.budget, self.n, self.evaluation = list(runs), budget, len(runs), evaluation
        specs: list[AgentSpec] = [r.spec for r in runs]
        self.task = make_task(specs[0].env)
        info = self.task.info
        self.env = self.task.vector(self.n)
        self.rngs = [seed_generators(r.seed, r.spec) for r in runs]
        self.search = ArchitectureSearch(specs, [g["controller"] for g in self.rngs], budget, info)
        self.switches = Switches(specs, info)
        members = [fresh_member(a, g["init"], info.obs_dim, info.n_actions) for a, g in zip(self.search.initial, self.rngs)]
        self.learners = LearnerPool(self.search.initial, members, [s.dqn for s in specs])
        self.memory = ReplayBuffer(self.n, specs[0].dqn.replay_size, info.obs_dim)
        self.exploration = Exploration(specs)
        self.evaluations = EvalSchedule(self.n, evaluation)
        self.counters = Counters(self.n, info.obs_dim)
        self.draws = EpisodeDraws(self.n, info.max_steps, [s.dqn.uniforms_per_step for s in specs])
        self.recorder = Recorder(self.n)
        self.active = np.ones(self.n, dtype=bool)  # runs whose budget is not spent, kept in step with the counters
        self.terminal_on_horizon = np.array([s.dqn.terminal_on_horizon for s in specs])
        self.search_seconds = 0.0  # wall time of scoring, selection, switching and pruning

    # ----- Algorithm 1 ------------------------------------------------------------------------
    def step(self) -> np.ndarray:
        """One environment step of every run still training; returns the runs whose episode ended."""
        begin_episodes(self)
        actions = self.draws.epsilon_greedy(self.learners.greedy(self.counters.obs), self.env)
        next_obs, reward, terminated, truncated = self.env.step(actions, self.active)
        done = terminated | (truncated & self.terminal_on_horizon)  # y = r at these (section 2.3.1)
        self.memory.store(self.counters.obs, actions, reward, next_obs, done, self.active)
        self.counters.advance(reward, next_obs, self.active)
        self.learners.learn(self.counters.steps, self.active, self.memory, self.draws.minibatch_uniforms)
        self.learners.sync_targets(self.counters.steps, self.active)
        ended = np.flatnonzero(self.active & (terminated | truncated))
        close_episodes(self, ended, out_of_budget(self, ended))
        return ended

    def run_episode(self) -> None:
        """Step until every run has completed one more episode (one episode of the pendulum)."""
        target = self.episode + 1
        while not self.done:
            if self.step().size and (self.episode >= target or self.done):
                return

    # ----- what a run is at -------------------------------------------------------------------
    @property
    def logs(self) -> list[RunLog]:
        return self.recorder.logs

    @property
    def episode(self) -> int:
        """Episodes every run has completed (the slowest run's count)."""
        return int(self.counters.episodes_done.min())

    @property
    def total_steps(self) -> int:
        """Environment steps of all runs together."""
        return int(self.counters.steps.sum())

    @property
    def done(self) -> bool:
        return not self.active.any()

    def clock(self, i: int) -> int:
        """Run i's time in the protocol's unit (episodes completed, or environment steps)."""
        return int(self.counters.steps[i] if self.budget.in_steps else self.counters.episodes_done[i])

    # ----- state ------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            **{name: getattr(self, name).state_dict() for name in self.PARTS},
            "rngs": [{k: g.bit_generator.state for k, g in r.items()} for r in self.rngs],
            "search_seconds": self.search_seconds,
            # not drawn from by the training code, saved so that no random state is missing
            "python_random": random.getstate(),
        }

    def load_state_dict(self, state: dict) -> None:
        for name in self.PARTS:
            getattr(self, name).load_state_dict(state[name])
        self.active = self.budget.remaining(self.counters.episodes_done, self.counters.steps)
        for r, s in zip(self.rngs, state["rngs"]):
            for k, g in r.items():
                g.bit_generator.state = s[k]
        self.search_seconds = state["search_seconds"]
        random.setstate(state["python_random"])


# ----- the parts of the loop: each reads and changes the trainer's parts -------------------------
def out_of_budget(tr: Trainer, ended: np.ndarray) -> np.ndarray:
    """Runs whose step budget ran out inside an episode (a budget in episodes never does)."""
    spent = np.flatnonzero(tr.active & tr.budget.spent_steps(tr.counters.steps)) if tr.budget.in_steps else ended[:0]
    return np.setdiff1d(spent, ended) if spent.size else spent


def begin_episodes(tr: Trainer) -> None:
    """Runs starting an episode draw it from their own streams (exploration at epsilon, random
    actions, minibatch uniforms), then reset their environments."""
    starting = tr.draws.starting(tr.active)
    if not starting.size:
        return
    clock = tr.budget.clock(tr.counters.episodes_done, tr.counters.steps)[starting]
    for i, eps in zip(starting, tr.exploration.epsilon(clock, starting)):
        tr.draws.draw(i, tr.rngs[i], tr.task.info.n_actions, tr.runs[i].spec.dqn.uniforms_per_step, float(eps))
    tr.counters.begin(starting, tr.env, [g["env"] for g in tr.rngs])


def close_episodes(tr: Trainer, ended: np.ndarray, stopped: np.ndarray) -> None:
    """The episodes that ended (and the runs whose step budget ran out inside one, `stopped`,
    which end training there): record them, end the architecture windows that end with them,
    evaluate the runs whose evaluation is due, switch the networks of the runs that picked
    another architecture."""
    if not ended.size and not stopped.size:
        return
    closing = np.concatenate([ended, stopped])
    check_finite(tr, closing)
    record(tr, ended)
    tr.active[stopped] = False
    final = ~tr.active[closing]
    t0 = time.perf_counter()
    picks = end_windows(tr, closing, final)
    tr.search_seconds += time.perf_counter() - t0
    evaluate(tr, closing, final)
    t0 = time.perf_counter()
    switch_networks(tr, picks)
    tr.search_seconds += time.perf_counter() - t0


def record(tr: Trainer, ended: np.ndarray) -> None:
    """Count the ended episodes and write their rows (return, length, epsilon, architecture, loss)."""
    losses = tr.learners.take_mean_losses(ended)
    c = tr.counters
    c.episodes_done[ended] += 1
    tr.active = tr.budget.remaining(c.episodes_done, c.steps)
    tr.draws.fresh[ended] = True
    for i in ended:
        tr.recorder.episode(i, float(c.returns[i]), int(tr.env.t[i]), float(tr.draws.epsilon[i]), tr.learners.archs[i],
                              float(losses[i]))


def end_windows(tr: Trainer, runs: np.ndarray, final: np.ndarray) -> dict:
    """Algorithm 1's outer loop for every run whose architecture window ends now: keep the
    network at the window's end (agents that search), score the architecture, pick the next."""
    picks = {}
    for i, last in zip(runs, final):
        e, log, spec = int(tr.counters.episodes_done[i]), tr.logs[i], tr.runs[i].spec
        if not (last or tr.search.window_ends(i, e, tr.clock(i))):
            continue
        if spec.controller != "fixed":
            log.snapshots.append({"window": tr.search.windows[i][-1]["window"], "episode": e,
                                  "architecture": tr.learners.archs[i].name, "params": tr.learners.online_params(i)})
        lengths = [row["steps"] for row in log.episodes] if tr.budget.in_steps else []
        pick = tr.search.end_window(i, tr.learners.archs[i], log.returns, lengths, e, tr.clock(i), bool(last),
                                      tr.rngs[i]["controller"])
        if pick is not None:
            picks[i] = pick
    return picks


def evaluate(tr: Trainer, runs: np.ndarray, final: np.ndarray) -> None:
    """Greedy evaluation of the runs whose evaluation is due, on their evaluation start states;
    at the end of the budget, of the network the run deploys (`deployed`)."""
    for i, last in zip(runs, final):
        if tr.evaluations.due(i, tr.clock(i), bool(last)):
            arch, params, _ = deployed(tr, i) if last else (tr.learners.archs[i], tr.learners.online_params(i), None)
            q = lambda obs, p=params, a=arch: forward_np(p, a.activation, np.asarray(obs, dtype=np.float32))  # noqa: E731
            r = tr.task.greedy_returns(q, eval_generator(tr.runs[i].seed), tr.evaluation.episodes)
            tr.logs[i].evaluations.append({"episode": int(tr.counters.episodes_done[i]), "mean_return": float(r.mean()),
                                             "min_return": float(r.min()), "max_return": float(r.max()), "architecture": arch.name})


def switch_networks(tr: Trainer, picks: dict) -> None:
    """Give every run that picked another architecture its new learner (and prune its memory)."""
    if not picks:
        return
    old = tr.learners.members()
    new = {i: tr.switches.new_learner(i, tr.learners.archs[i], old[i], p, tr.memory, tr.rngs[i]["init"], tr.search.windows[i][-1])
           for i, p in picks.items()}
    tr.learners.replace({i: (p.arch, new[i]) for i, p in picks.items()})
    for i in picks:
        tr.exploration.switched(i, tr.clock(i))


def deployed(tr: Trainer, i: int) -> tuple:
    """(architecture, parameters, window) of the network run i deploys at the end: its last
    network, or with nas.deploy = best_window the network at the end of its best-scored
    window (window None: the last network)."""
    spec = tr.runs[i].spec
    if spec.controller == "fixed" or spec.nas.deploy == "last":
        return tr.learners.archs[i], tr.learners.online_params(i), None
    best = tr.search.best_window(i)
    snap = next(s for s in tr.logs[i].snapshots if s["window"] == best)
    return Architecture.parse(snap["architecture"]), snap["params"], best


def check_finite(tr: Trainer, runs: np.ndarray) -> None:
    """Stop with a message when a run whose episode ended has a NaN/inf loss or weight."""
    i = tr.learners.first_diverged(runs)
    if i is None:
        return
    run, e, steps = tr.runs[i], int(tr.counters.episodes_done[i]), tr.counters.steps[i]
    raise TrainingDiverged(
        f"agent {run.spec.name!r} seed {run.seed}: loss or weights became NaN/inf during episode {e + 1} "
        f"(environment steps {steps - tr.env.t[i] + 1}..{steps}, architecture "
        f"{tr.learners.archs[i].name}); last finite episode-mean loss {tr.recorder.last_finite_loss[i]:.6g}. "
        "Lower dqn.learning_rate or check the config."
    )


def _check_compatible(runs: list[Run]) -> None:
    """Runs of one process step one environment array and share one replay-memory layout."""
    if not runs:
        raise ValueError("a training process needs at least one run")
    for what, key in (("env", lambda r: r.spec.env), ("dqn.replay_size", lambda r: r.spec.dqn.replay_size)):
        if len({key(r) for r in runs}) > 1:
            raise ValueError(f"runs trained in one process must share their {what} settings")
    if len({(r.spec, r.seed) for r in runs}) != len(runs):
        raise ValueError("a run (agent, seed) appears twice in one process")


def train(runs: list[Run], budget: Budget | int, progress: Callable[[Trainer, float], None] | None = None, progress_every: int = 100,
          trainer: Trainer | None = None, after_episode: Callable[[Trainer], None] | None = None,
          evaluation: EvalSettings = NO_EVALUATION) -> Trainer:
    """Run (or continue, given a restored `trainer`) a whole training.

    `progress(trainer, steps_per_second)` is called every progress_every episodes and
    `after_episode(trainer)` whenever every run has completed one more episode (the training
    job takes checkpoints there). The kill-and-resume tests' fault point "episode" is here: half
    way through an episode of every run.
    """
    trainer = trainer or Trainer(runs, budget, evaluation)
    t0, step0, last = time.perf_counter(), trainer.total_steps, trainer.episode
    halfway = trainer.task.info.max_steps // 2
    while not trainer.done:
        if fault_armed("episode") and (trainer.env.t == halfway).all():
            fault_point("episode")
        if not trainer.step().size or trainer.episode == last:  # episode counts change only when one ends
            continue
        last = trainer.episode
        if after_episode:
            after_episode(trainer)
        if progress and (trainer.episode % progress_every == 0 or trainer.done):
            now = time.perf_counter()
            progress(trainer, (trainer.total_steps - step0) / max(now - t0, 1e-9))
            t0, step0 = now, trainer.total_steps
    return trainer


def runs_of(spec: AgentSpec, seeds: list[int]) -> list[Run]:
    return [Run(spec, s) for s in seeds]
