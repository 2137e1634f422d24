"""What a training job asks a scheduler for (the workflow's `runtime` resource, in minutes).

A budget in episodes is bounded by the task's time limit: `env.max_episode_steps`, or the task's
own (`TIME_LIMITS`; tests/test_resources.py checks them against the tasks and Gymnasium's registry).
Plain Python: the workflow computes it while it parses.
"""
from __future__ import annotations

import math

from nasdqn.settings.table import PENDULUM_ID

# The time limits of the tasks (their own, where env.max_episode_steps is null).
TIME_LIMITS = {PENDULUM_ID: 200, "CartPole-v1": 500, "Acrobot-v1": 500, "LunarLander-v3": 1000, "MountainCar-v0": 200}
UNKNOWN_TIME_LIMIT = 1000  # a task not listed: at most this many steps per episode, assumed


def run_steps(settings: dict) -> int:
    """At most how many environment steps a run takes."""
    if settings["unit"] == "steps":
        return int(settings["budget"])
    env = settings["env"]
    limit = env.get("max_episode_steps") or TIME_LIMITS.get(env.get("id", PENDULUM_ID), UNKNOWN_TIME_LIMIT)
    return int(settings["budget"]) * limit


def train_minutes(group: list[dict], lead: bool) -> int:
    """Minutes for a training job of a group of runs (their resolved settings): 3 minutes per
    200,000 environment steps of each run, at least 10."""
    return max(10, math.ceil(sum(3 * run_steps(s) / 200_000 for s in group)))
