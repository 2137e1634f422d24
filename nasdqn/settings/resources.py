"""What a training job asks a scheduler for (the workflow's `runtime` resource, in minutes), from
the work it does.

The first job of a training group trains every run of the group in one process; its request is
the sum over the runs of their environment steps times a measured cost per step, times a safety
factor. The other jobs of the group only copy their finished run out of the group's folder: they
ask for `FOLLOWER_MINUTES`. The cost of one environment step of a run, in microseconds of one core:

    ENV_US[task] + ACT_US[shape] + UPDATE_US[shape] * max(1, batch_size / 64) * gradient_steps / train_freq

(acting and the loop's bookkeeping, the task's step beyond the pendulum's, and the share of a
gradient update at batch 64), for the run's architecture, or the slowest of the search space for
an agent that searches; greedy evaluation episodes add their steps at the acting cost, a
distilling agent its distillation steps at the update cost. The rates were measured with
`benchmarks/bench_rates.py --steps 3000 --repeat 2` (CPU time, the largest of two) on an Intel(R)
Xeon(R) Processor (2.1 GHz, the 2-core development machine) on 2026-12-05; profiles/slurm argues
`SAFETY`. A budget in episodes is bounded by the task's time limit (`TIME_LIMITS`; tests check
them against the tasks and Gymnasium's registry). Plain Python: the workflow computes it while
it parses.
"""
from __future__ import annotations

import math

from nasdqn.settings.table import PENDULUM_ID

# The time limits of the tasks (their own, where env.max_episode_steps is null).
TIME_LIMITS = {PENDULUM_ID: 200, "CartPole-v1": 500, "Acrobot-v1": 500, "LunarLander-v3": 1000, "MountainCar-v0": 200}
UNKNOWN_TIME_LIMIT = 1000  # a task not listed: at most this many steps per episode, assumed

# Microseconds per environment step, measured (see the module doc), per (layers, units): the
# slowest of the three activations stands for all.
ACT_US = {(2, 32): 40, (2, 64): 40, (2, 128): 41, (3, 32): 42, (3, 64): 43, (3, 128): 45, (4, 32): 45, (4, 64): 47, (4, 128): 47}
UPDATE_US = {(2, 32): 132, (2, 64): 172, (2, 128): 298, (3, 32): 158, (3, 64): 234, (3, 128): 479, (4, 32): 199, (4, 64): 280,
             (4, 128): 610}
ENV_US = {PENDULUM_ID: 0, "CartPole-v1": 27, "Acrobot-v1": 40}
UNKNOWN_ENV_US = 200  # a task not measured (LunarLander's Box2D, ...): five times Acrobot's Python physics, assumed

SAFETY = 3  # profiles/slurm/config.yaml argues it
STARTUP_MINUTES = 2  # interpreter, imports, a checkpoint to load
FOLLOWER_MINUTES = 5  # copy a finished run out of the group's folder: seconds, after Snakemake's and Python's start on the node


def time_limit(env: dict) -> int:
    return env.get("max_episode_steps") or TIME_LIMITS.get(env.get("id", PENDULUM_ID), UNKNOWN_TIME_LIMIT)


def run_steps(settings: dict) -> int:
    """At most how many environment steps a run takes."""
    if settings["unit"] == "steps":
        return int(settings["budget"])
    return int(settings["budget"]) * time_limit(settings["env"])


def _shapes(settings: dict) -> list[tuple[int, int]]:
    """The network shapes the run may train: its own, or any of the search space's."""
    arch = settings.get("architecture")
    return [(arch["layers"], arch["units"])] if arch else list(UPDATE_US)


def run_microseconds(settings: dict) -> float:
    """Microseconds of one core a run takes at most, by the measured rates."""
    dqn, env = settings["dqn"], settings["env"]
    gradient_steps = dqn.get("gradient_steps", 1)
    updates_per_step = (dqn["train_freq"] if gradient_steps == -1 else gradient_steps) / dqn["train_freq"]
    batch = max(1.0, dqn["batch_size"] / 64)
    env_us = ENV_US.get(env.get("id", PENDULUM_ID), UNKNOWN_ENV_US)
    act = max(ACT_US[s] for s in _shapes(settings))
    per_step = env_us + max(ACT_US[s] + UPDATE_US[s] * batch * updates_per_step for s in _shapes(settings))
    evaluation = settings["evaluation"]
    if evaluation["every"] > 0:  # greedy episodes: acting only
        evaluations = settings["budget"] // evaluation["every"] + 1
        per_step_eval = env_us + act
        extra = evaluations * evaluation["episodes"] * time_limit(env) * per_step_eval
    else:
        extra = 0.0
    nas = settings.get("nas", {})
    if nas.get("transition") == "distill":  # distillation at every switch: at most one per window
        windows = math.ceil(settings["budget"] / nas["arch_update_interval"])
        extra += windows * nas["distill_steps"] * max(UPDATE_US.values())
    return run_steps(settings) * per_step + extra


def train_minutes(group: list[dict], lead: bool) -> int:
    """Minutes a training job asks for: its group's runs (their resolved settings) at the measured
    rates times SAFETY, rounded up, when it trains them (lead); FOLLOWER_MINUTES otherwise."""
    if not lead:
        return FOLLOWER_MINUTES
    return math.ceil(SAFETY * sum(run_microseconds(s) for s in group) / 60e6 + STARTUP_MINUTES)
