"""Checkpoints: everything that determines the rest of a run, saved atomically at episode ends.

A run resumed from a checkpoint writes the same bytes as an uninterrupted run: the state
holds the networks, target networks, optimiser state, replay memory and position,
controller state, episode counter, the rows logged so far and every random generator.
Checkpoints are only taken between episodes, so no environment state is in flight.
"""
from __future__ import annotations

import pickle
import random
from pathlib import Path

import numpy as np
import torch

from .agent import MemberState
from .faults import fault_point
from .results import atomic_write_bytes
from .train import SeedLog, Trainer

FORMAT = 2


class CheckpointError(ValueError):
    """A checkpoint that must not be loaded (another run's, or unreadable); the message says why."""


def trainer_state(trainer: Trainer) -> dict:
    return {
        "episode": trainer.episode,
        "global_step": trainer.global_step,
        "archs": [a.name for a in trainer.archs],
        "members": [vars(m) for m in trainer._members()],
        "buffer": trainer.buffer.state_dict(),
        "controllers": [c.state_dict() for c in trainer.controllers],
        "rngs": [{k: g.bit_generator.state for k, g in r.items()} for r in trainer.rngs],
        "logs": [vars(log) for log in trainer.logs],
        "last_finite_loss": list(trainer.last_finite_loss),
        "search_seconds": trainer.search_seconds,
        # not drawn from by the training code, saved so that no random state is missing
        "python_random": random.getstate(),
        "torch_random": torch.get_rng_state(),
    }


def load_trainer_state(trainer: Trainer, state: dict) -> None:
    from .network import Architecture

    trainer.episode = state["episode"]
    trainer.global_step = state["global_step"]
    trainer.archs = [Architecture.parse(n) for n in state["archs"]]
    trainer.groups = trainer._build_groups([MemberState(**m) for m in state["members"]])
    trainer.buffer.load_state_dict(state["buffer"])
    for c, s in zip(trainer.controllers, state["controllers"]):
        c.load_state_dict(s)
    for r, s in zip(trainer.rngs, state["rngs"]):
        for k, g in r.items():
            g.bit_generator.state = s[k]
    trainer.logs = [SeedLog(**log) for log in state["logs"]]
    trainer.last_finite_loss = list(state["last_finite_loss"])
    trainer.search_seconds = state["search_seconds"]
    random.setstate(state["python_random"])
    torch.set_rng_state(state["torch_random"])


def save(path: Path, trainer: Trainer, fingerprint: str, wall_seconds: float) -> None:
    payload = {"format": FORMAT, "fingerprint": fingerprint, "wall_seconds": wall_seconds, "trainer": trainer_state(trainer)}
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    fault_point("checkpoint_write", partial=(path, data))
    atomic_write_bytes(path, data)


def load(path: Path, fingerprint: str) -> dict:
    """The checkpoint's payload, or CheckpointError if it belongs to another run or is unreadable."""
    try:
        payload = pickle.loads(path.read_bytes())
    except Exception as exc:  # a damaged file can raise almost anything from unpickling
        raise CheckpointError(f"checkpoint {path}: unreadable ({type(exc).__name__}: {exc})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {path}: not a nasdqn checkpoint of format {FORMAT}")
    if payload.get("fingerprint") != fingerprint:
        raise CheckpointError(
            f"checkpoint {path}: belongs to a different run (config or seeds differ: fingerprint "
            f"{payload.get('fingerprint')}, this run {fingerprint})"
        )
    return payload
