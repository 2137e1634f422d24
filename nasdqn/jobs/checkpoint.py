"""Checkpoint files: the trainer's state_dict, written atomically at episode ends, with the
fingerprint of the run it belongs to.

A run resumed from a checkpoint writes the same bytes as an uninterrupted run: what the
state holds is declared by Trainer.state_dict (networks, optimiser state, replay memory,
controllers, counters, logged rows and every random generator). This module only knows the
file format and refuses a checkpoint of another run or an unreadable one.
"""
from __future__ import annotations

import pickle
from pathlib import Path

from nasdqn.jobs.results import atomic_write_bytes
from nasdqn.learning.trainer import Trainer
from nasdqn.settings.deps import code_digest
from nasdqn.settings.errors import CheckpointError
from nasdqn.settings.faults import fault_point

# The trainer's state by part (counters, draws, env, learners, memory, search, switches, exploration, evaluations,
# recorder) with the digest of the training code that wrote it (5); a Gymnasium-stepped task's episodes in flight as
# reset seeds and actions, not pickled environments (6)
FORMAT = 6




def save(path: Path, trainer: Trainer, fingerprint: str, wall_seconds: float) -> None:
    payload = {"format": FORMAT, "fingerprint": fingerprint, "code": code_digest("train"), "wall_seconds": wall_seconds,
               "trainer": trainer.state_dict()}
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    fault_point("checkpoint_write", partial=(path, data))
    atomic_write_bytes(path, data)


def load(path: Path, fingerprint: str) -> dict:
    """The checkpoint's payload, or CheckpointError if it belongs to another run, was written by other
    training code (its numbers would not be this code's) or is unreadable."""
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
    if payload.get("code") != code_digest("train"):
        raise CheckpointError(f"checkpoint {path}: written by other training code (its digest {payload.get('code')}, this code's "
                              f"{code_digest('train')})")
    return payload


def restore(trainer: Trainer, payload: dict, path: Path) -> None:
    """Load a checkpoint's trainer state into `trainer`; a state that does not fit is a CheckpointError."""
    try:
        trainer.load_state_dict(payload["trainer"])
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise CheckpointError(f"checkpoint {path}: its state does not fit this run ({type(exc).__name__}: {exc})") from None
