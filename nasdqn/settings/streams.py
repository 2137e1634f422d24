"""Every random stream of a run, by name, in one registry (plain Python).

Stream i of a run is `SeedSequence(seed).spawn(len(STREAMS))[i]`, i.e. spawn key (i,): the
training streams and the greedy evaluation's stream come from one list, so a new stream can
never reuse another's key. Order matters and is fixed (adding a stream appends it). Every agent
shares the env, act, replay and init streams of its seed (common random numbers); the controller
stream depends on the controller kind, so that NAS-DQN's picks are not Random-NAS's picks
(docs/assumptions.md, "Random streams").
"""
from __future__ import annotations

STREAMS = ("env", "act", "replay", "init", "controller_random", "controller_nas", "evaluation", "floor")
TRAINING_STREAMS = STREAMS[:6]
# "evaluation": the greedy evaluation's start states; "floor": the uniform-random policy's actions (nasdqn/tasks/floor.py)
# which controller stream each controller kind draws from (the fixed controller draws nothing)
CONTROLLER_STREAM = {"fixed": "controller_random", "random": "controller_random", "nas": "controller_nas"}


def spawn_key(name: str) -> int:
    """The spawn key of a stream (its index in STREAMS)."""
    return STREAMS.index(name)
