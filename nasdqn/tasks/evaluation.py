"""The greedy evaluation's random stream (epsilon = 0, no learning).

Evaluation draws its start states from a stream of its own, spawned from the run seed beside the
training streams (nasdqn/settings/streams.py), and builds a fresh generator for every
evaluation: all evaluations of one run then face the same start states, so their returns differ
only because the policy changed, and evaluating never shifts the training streams.
"""
from __future__ import annotations

import numpy as np

from nasdqn.settings.streams import spawn_key


def eval_generator(seed: int) -> np.random.Generator:
    """A new generator on the run's evaluation stream (same start states on every call)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(spawn_key("evaluation"),)))
