"""One identity for a run: its digest, its directory and its record.

A run is an agent with its resolved settings (resolve.resolved_agent_config) on one seed. Its
settings digest names its directory, results/runs/{agent}/{settings digest}/seed{seed}, so runs
with equal settings are one run in every config and variant; its fingerprint (settings and seed)
is what run.json and a checkpoint carry, so that a directory or checkpoint of another run is
never taken for this one. Every digest of the package is `digest`: SHA-256 of the canonical JSON
of its content, cut to the length of its kind. Plain Python: the workflow plans with it.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

RESULTS = "results"
RUNS = f"{RESULTS}/runs"
# Hex digits kept per kind of digest (fixed: they name directories and sit in run.json files).
DigestKind = Literal["settings", "run", "group", "job"]
DIGEST_LENGTH: dict[str, int] = {"settings": 10, "run": 16, "group": 12, "job": 16}

# The keys a run's settings have recorded since 0.2.0, at every value: the digests of every run
# trained since then hash them (tests/test_identity.py pins some), so they stay recorded. A key
# added later is recorded only where it differs from its default (resolve.resolved_agent_config):
# a new key whose default reproduces the old behaviour renames no run. Never edit this list.
RECORDED_SINCE_0_2: dict[str, frozenset[str]] = {
    "env": frozenset({"id", "max_episode_steps", "observation_scale", "initial_state", "initial_theta_high", "initial_omega_high"}),
    "dqn": frozenset({"gamma", "optimizer", "learning_rate", "batch_size", "replay_size", "learning_starts", "train_freq",
                      "target_update_steps", "grad_clip", "huber_delta", "terminal_on_horizon", "epsilon_start", "epsilon_end",
                      "epsilon_decay"}),
    "nas": frozenset({"arch_update_interval", "score_window", "top_k", "temperature", "epsilon_start", "epsilon_min",
                      "epsilon_decay", "zscore_eps", "transition", "distill_steps", "distill_learning_rate", "memory_pruning",
                      "prune_keep_fraction", "initial_architecture", "score", "revisit_score", "exploration_after_transition",
                      "restart_epsilon", "restart_decay", "keep_probability"}),
}


def canonical_json(obj: Any) -> str:
    """Stable text of a config: equal settings give equal strings (used to detect changes)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def digest(obj: Any, kind: DigestKind) -> str:
    """SHA-256 of canonical_json(obj), cut to DIGEST_LENGTH[kind] hex digits."""
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()[: DIGEST_LENGTH[kind]]


def run_id(settings: dict) -> str:
    """'{agent}/{settings digest}': the run's folder under results/runs, shared by its seeds."""
    return f"{settings['agent']}/{digest(settings, 'settings')}"


def fingerprint(settings: dict, seed: int | list[int]) -> str:
    """Identity of one run (or of a job that trains several seeds): equal iff settings and seed are."""
    return digest({"resolved": settings, "seed": seed}, "run")


def run_dir(run_id: str, seed: int | str) -> str:
    """results/runs/{run_id}/seed{seed}: where a run's files live (the workflow's layout; the
    workflow passes its wildcards as run_id and seed)."""
    return f"{RUNS}/{run_id}/seed{seed}"


@dataclass(frozen=True)
class RunRecord:
    """One run of a study: which agent, which seed, where its files are, and (where known) its
    resolved settings. The plan, the training jobs, aggregation and the CLI all speak of runs
    with this one record."""

    agent: str
    seed: int
    dir: Path
    settings: dict | None = field(default=None, compare=False, hash=False, repr=False)

    @classmethod
    def planned(cls, settings: dict, seed: int) -> "RunRecord":
        """The run of `settings` on `seed` in the workflow's layout."""
        return cls(settings["agent"], int(seed), Path(run_dir(run_id(settings), seed)), settings)

    @property
    def run_id(self) -> str:
        assert self.settings is not None, "a run's id comes from its settings"
        return run_id(self.settings)

    @property
    def fingerprint(self) -> str:
        assert self.settings is not None, "a run's fingerprint comes from its settings"
        return fingerprint(self.settings, self.seed)

    def as_json(self) -> list:
        """[agent, seed, directory]: what the workflow passes to the CLI (--run-dirs)."""
        return [self.agent, self.seed, str(self.dir)]

    def written(self) -> bool:
        """This run's files are complete in its directory (run.json, written last, matches)."""
        try:
            return json.loads((self.dir / "run.json").read_text()).get("fingerprint") == self.fingerprint
        except (OSError, ValueError):
            return False
