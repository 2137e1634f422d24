"""The random generators of one run, one per training stream of nasdqn/settings/streams.py.

Independent generators per purpose, so that e.g. a change of batch size does not move the
pendulum's start states, and every run draws only from its own: a run's numbers do not depend on
which runs share its process.
"""
from __future__ import annotations

import numpy as np

from nasdqn.learning.spec import AgentSpec
from nasdqn.settings.streams import TRAINING_STREAMS, controller_spawn_key, spawn_key


def generator(seed: int, key: tuple[int, ...]) -> np.random.Generator:
    """The generator of spawn key `key` of the run seed (child key[0] of SeedSequence(seed).spawn)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def seed_generators(seed: int, spec: AgentSpec) -> dict[str, np.random.Generator]:
    """{env, act, replay, init, controller}: the run's generators; the controller's stream is its
    controller kind's (NAS-DQN's picks are not Random-NAS's picks) or, with nas.agent_stream, the
    agent's own."""
    streams = {name: generator(seed, (spawn_key(name),)) for name in TRAINING_STREAMS}
    streams["controller"] = generator(seed, controller_spawn_key(spec.controller, spec.name, spec.nas.agent_stream))
    return streams
