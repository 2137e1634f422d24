"""The random generators of one run, one per training stream of nasdqn/settings/streams.py.

Independent generators per purpose, so that e.g. a change of batch size does not move the
pendulum's start states, and every run draws only from its own: a run's numbers do not depend on
which runs share its process.
"""
from __future__ import annotations

import numpy as np

from nasdqn.settings.streams import CONTROLLER_STREAM, STREAMS, TRAINING_STREAMS


def seed_generators(seed: int, controller: str) -> dict[str, np.random.Generator]:
    """{env, act, replay, init, controller}: the run's generators; `controller` is the stream of
    its controller kind (NAS-DQN's picks are not Random-NAS's picks)."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    streams = {name: np.random.default_rng(children[k]) for k, name in enumerate(TRAINING_STREAMS)}
    streams["controller"] = streams[CONTROLLER_STREAM[controller]]
    return {k: v for k, v in streams.items() if not k.startswith("controller_")}
