"""Every random stream of a run, by name, in one registry (plain Python).

Stream i of a run is `SeedSequence(seed).spawn(len(STREAMS))[i]`, i.e. spawn key (i,): the
training streams and the greedy evaluation's stream come from one list, so a new stream can
never reuse another's key. Order matters and is fixed (adding a stream appends it). Every agent
shares the env, act, replay and init streams of its seed (common random numbers); the controller
stream depends on the controller kind, so that NAS-DQN's picks are not Random-NAS's picks, and
the yoked control has one of its own. With nas.agent_stream an agent's controller draws from a
stream keyed by its name, spawn key (index of "controller_agent", CRC-32 of the name): no two
agents of a study share draws (docs/assumptions.md, "Random streams").
"""
from __future__ import annotations

import zlib

STREAMS = ("env", "act", "replay", "init", "controller_random", "controller_nas", "evaluation", "floor", "controller_yoked",
           "controller_agent")
TRAINING_STREAMS = ("env", "act", "replay", "init")
# "evaluation": the greedy evaluation's start states; "floor": the uniform-random policy's actions (nasdqn/tasks/floor.py)
# which controller stream each controller kind draws from (the fixed controller draws nothing)
CONTROLLER_STREAM = {"fixed": "controller_random", "random": "controller_random", "nas": "controller_nas", "yoked": "controller_yoked"}


def spawn_key(name: str) -> int:
    """The spawn key of a stream (its index in STREAMS)."""
    return STREAMS.index(name)


def controller_spawn_key(controller: str, agent: str, agent_stream: bool) -> tuple[int, ...]:
    """The spawn key of an agent's controller stream: its controller kind's, or its own."""
    if agent_stream:
        return (spawn_key("controller_agent"), zlib.crc32(agent.encode()))
    return (spawn_key(CONTROLLER_STREAM[controller]),)
