"""The two-level training loop of section 2.3.3 (Algorithm 1), for any runs in one process.

Inner loop (`Trainer.step`): every run acts epsilon-greedily with its current network, the task
steps, the transition is stored, and every run whose schedule says so learns (Double DQN on its
stacked network, `LearnerPool`) and syncs its target. Outer loop (`Trainer._end_windows`): at
the end of each architecture window the search scores the architecture and picks the next; a
different pick triggers the model transition and memory pruning (`ArchitectureSearch`).

Runs are kept apart as purejaxrl keeps its seed axis: every run draws all its randomness from its
own generators (spawned from its seed) and has its own counters, so a run's numbers do not depend
on which runs share its process. Each run has its own episode counter: a Gymnasium task's
episodes end at different steps for different runs, while the pendulum's runs stay in lockstep.
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


# (trainer, runs whose episode or training just ended, which of them finished their budget)
EpisodeHook = Callable[["Trainer", np.ndarray, np.ndarray], None]


class Trainer:
    """State of a training process, advanced one environment step at a time.

    Saves (state_dict) what its parts declare: counters, episode draws, the environments, the
    learner pool, the replay memory, the architecture search, the recorder and every random
    generator. End-of-episode hooks run in order: evaluation, window snapshots, the outer loop.
    """

    PARTS = ("counters", "draws", "env", "pool", "buffer", "search", "exploration", "evaluations", "recorder")

    def __init__(self, runs: list[Run], budget: Budget | int, evaluation: EvalSettings = NO_EVALUATION) -> None:
        """`budget`: a Budget, or a number of episodes."""
        budget = budget if isinstance(budget, Budget) else Budget("episodes", int(budget))
        _check_compatible(runs)
        self.runs, self.budget, self.n, self.evaluation = list(runs), budget, len(runs), evaluation
        self.task = make_task(runs[0].spec.env)
        info = self.task.info
        self.env = self.task.vector(self.n)
        self.rngs = [seed_generators(r.seed, r.spec.controller) for r in runs]
        self.search = ArchitectureSearch([r.spec for r in runs], [g["controller"] for g in self.rngs], budget, info)
        self.exploration = Exploration([r.spec for r in runs])
        self.evaluations = EvalSchedule(self.n, evaluation)
        archs = [Architecture.parse(self.search.current(i)) for i in range(self.n)]
        members = [fresh_member(a, g["init"], info.obs_dim, info.n_actions) for a, g in zip(archs, self.rngs)]
        self.pool = LearnerPool(archs, members, [r.spec.dqn for r in runs])
        self.buffer = ReplayBuffer(self.n, runs[0].spec.dqn.replay_size, info.obs_dim)
        self.counters = Counters(self.n, info.obs_dim)
        self.draws = EpisodeDraws(self.n, info.max_steps, [r.spec.dqn.uniforms_per_step for r in runs])
        self.recorder = Recorder(self.n)
        self.hooks: list[EpisodeHook] = [evaluate_due, snapshot_windows, end_windows]
        self._rows = np.arange(self.n)
        self.active = np.ones(self.n, dtype=bool)  # runs whose budget is not spent, kept in step with the counters
        self._greedy = np.zeros(self.n, dtype=np.int64)
        self.terminal_on_horizon = np.array([r.spec.dqn.terminal_on_horizon for r in runs])
        self.search_seconds = 0.0  # wall time of scoring, selection, transition and pruning

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

    def run_episode(self) -> None:
        """Step until every run has completed one more episode (one episode of the pendulum)."""
        target = self.episode + 1
        while not self.done:
            if self.step().size and (self.episode >= target or self.done):
                return

    def step(self) -> np.ndarray:
        """One environment step of every run still training (Algorithm 1's inner loop: act,
        step, store, learn, sync); returns the runs whose episode ended at this step."""
        start_episodes(self)
        c, active = self.counters, self.active
        if fault_armed("episode") and (self.env.t == self.draws.explore.shape[1] // 2).all():
            fault_point("episode")
        t = int(self.env.t[0]) if self.env.lockstep else np.minimum(self.env.t, self.draws.explore.shape[1] - 1)
        explore, random_actions = self.draws.at(t, self._rows)
        self._greedy = self.pool.greedy(c.obs, self._greedy)  # argmax_a Q(s, a; w)
        action = np.where(explore < self.draws.epsilon, random_actions, self._greedy)
        next_obs, reward, terminated, truncated = self.env.step(action, active)
        done = (terminated | (truncated & self.terminal_on_horizon)).astype(np.float64)
        everyone = self.env.lockstep or bool(active.all())
        self.buffer.add(c.obs, action, reward, next_obs, done, None if everyone else np.flatnonzero(active))
        if everyone:
            c.returns += reward
        else:
            c.returns[active] += reward[active]
        c.obs = next_obs
        c.steps += active
        same_step = int(c.steps[0]) if self.env.lockstep else None
        self.pool.learn(c.steps, active, self.buffer, lambda g: minibatch_uniforms(self.draws, g.runs, t), same_step)
        self.pool.sync_targets(c.steps, active, same_step)
        if self.env.lockstep:
            ended = self._rows if truncated[0] else self._rows[:0]
        else:
            ended = np.flatnonzero(active & (terminated | truncated))
        spent = np.flatnonzero(active & (c.steps >= self.budget.amount)) if self.budget.in_steps else ended[:0]
        if ended.size:
            end_episodes(self, ended)
        if spent.size:
            stop_mid_episode(self, np.setdiff1d(spent, ended))
        return ended

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


# ----- episode boundaries ----------------------------------------------------------------------
def q_function(tr: Trainer, i: int) -> Callable[[np.ndarray], np.ndarray]:
    """Run i's current online network as a function of observations."""
    arch, params = tr.pool.archs[i], tr.pool.online_params(i)
    return lambda obs: forward_np(params, arch.activation, np.asarray(obs, dtype=np.float32))


def minibatch_uniforms(draws, runs: np.ndarray, t: np.ndarray | int) -> np.ndarray:
    """The minibatch uniforms (G, B) of `runs` for the step each is at (one t for all, or per run)."""
    return np.stack([draws.minibatch[i][t if isinstance(t, int) else t[i]] for i in runs])


def start_episodes(tr: Trainer) -> None:
    """Draw each starting run's episode from its own streams, then reset its environment."""
    d = tr.draws
    if not d.fresh.any():
        return
    starting = np.flatnonzero(d.fresh & tr.active)
    if not starting.size:
        return
    epsilon = tr.exploration.epsilon(tr.budget.clock(tr.counters.episodes_done, tr.counters.steps)[starting], starting)
    for i, eps in zip(starting, epsilon):
        d.draw(i, tr.rngs[i], tr.task.info.n_actions, tr.runs[i].spec.dqn.uniforms_per_step, float(eps))
    c = tr.counters
    if starting.size == tr.n:
        c.obs = tr.env.reset_all([g["env"] for g in tr.rngs])
    else:
        for i in starting:
            c.obs[i] = tr.env.reset(i, tr.rngs[i]["env"])
    c.returns[starting] = 0.0
    d.fresh[starting] = False


def end_episodes(tr: Trainer, ended: np.ndarray) -> None:
    """Close the episodes of `ended`: count and record them, then run the end-of-episode hooks."""
    check_finite(tr, ended)
    losses = tr.pool.take_mean_losses(ended)
    c = tr.counters
    c.episodes_done[ended] += 1
    tr.active = tr.budget.remaining(c.episodes_done, c.steps)
    tr.draws.fresh[ended] = True
    for i in ended:
        tr.recorder.episode(i, float(c.returns[i]), int(tr.env.t[i]), float(tr.draws.epsilon[i]), tr.pool.archs[i],
                              float(losses[i]))
    for hook in tr.hooks:
        hook(tr, ended, ~tr.active[ended])


def stop_mid_episode(tr: Trainer, out: np.ndarray) -> None:
    """Runs whose step budget ran out inside an episode: training stops at exactly the budget
    (the unfinished episode is not an episode row), the last window is scored and the final
    evaluation made."""
    if out.size:
        check_finite(tr, out)
        tr.active[out] = False
        for hook in tr.hooks:
            hook(tr, out, np.ones(out.size, dtype=bool))


def check_finite(tr: Trainer, runs: np.ndarray) -> None:
    """Stop with a message when a run whose episode ended has a NaN/inf loss or weight."""
    i = tr.pool.first_diverged(runs)
    if i is None:
        return
    run, e, steps = tr.runs[i], int(tr.counters.episodes_done[i]), tr.counters.steps[i]
    raise TrainingDiverged(
        f"agent {run.spec.name!r} seed {run.seed}: loss or weights became NaN/inf during episode {e + 1} "
        f"(environment steps {steps - tr.env.t[i] + 1}..{steps}, architecture "
        f"{tr.pool.archs[i].name}); last finite episode-mean loss {tr.recorder.last_finite_loss[i]:.6g}. "
        "Lower dqn.learning_rate or check the config."
    )


# ----- end-of-episode hooks ---------------------------------------------------------------------
def evaluate_due(tr: Trainer, ended: np.ndarray, final: np.ndarray) -> None:
    """Greedy evaluation of the runs whose evaluation is due, on their evaluation start states."""
    for i, last in zip(ended, final):
        if tr.evaluations.due(i, tr.clock(i), bool(last)):
            r = tr.task.greedy_returns(q_function(tr, i), eval_generator(tr.runs[i].seed), tr.evaluation.episodes)
            tr.logs[i].evaluations.append({"episode": int(tr.counters.episodes_done[i]), "mean_return": float(r.mean()),
                                           "min_return": float(r.min()), "max_return": float(r.max()), "architecture": tr.pool.archs[i].name})


def snapshot_windows(tr: Trainer, ended: np.ndarray, final: np.ndarray) -> None:
    """Keep the network at the end of each architecture window of every run that searches."""
    for i, last in zip(ended, final):
        e = int(tr.counters.episodes_done[i])
        if tr.runs[i].spec.controller != "fixed" and (last or tr.search.window_ends(i, e, tr.clock(i))):
            tr.logs[i].snapshots.append({"window": tr.search.windows[i][-1]["window"], "episode": e,
                                         "architecture": tr.pool.archs[i].name, "params": tr.pool.online_params(i)})


def end_windows(tr: Trainer, ended: np.ndarray, final: np.ndarray) -> None:
    """Algorithm 1's outer loop for every run whose architecture window just ended: score, pick,
    and on a different pick the model transition and memory pruning."""
    t0 = time.perf_counter()
    picks = {}
    for i, last in zip(ended, final):
        e, log = int(tr.counters.episodes_done[i]), tr.logs[i]
        if last or tr.search.window_ends(i, e, tr.clock(i)):
            lengths = [row["steps"] for row in log.episodes] if tr.budget.in_steps else []
            if (p := tr.search.end_window(i, log.returns, lengths, e, bool(last), tr.rngs[i]["controller"])):
                picks[i] = p
    if picks:
        old = tr.pool.members()
        new = {i: (p.arch, tr.search.transition(i, old[i], p, tr.buffer, tr.rngs[i]["init"])) for i, p in picks.items()}
        fault_point("transition")
        tr.pool.replace(new)
        for i in picks:
            tr.exploration.switched(i, tr.clock(i))
    tr.search_seconds += time.perf_counter() - t0


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
    job takes checkpoints there).
    """
    trainer = trainer or Trainer(runs, budget, evaluation)
    t0, step0, last = time.perf_counter(), trainer.total_steps, trainer.episode
    while not trainer.done:
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
