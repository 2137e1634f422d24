"""One training job as the CLI runs it: which runs, where their files go, resuming from a
checkpoint, and writing each run's episodes.csv, architectures.csv and run.json."""
from __future__ import annotations

import hashlib
import json
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import __version__, checkpoint
from .columns import ARCHITECTURE_COLUMNS, EPISODE_COLUMNS, EVALUATION_COLUMNS, POLICY_FILE, WINDOW_POLICIES
from .config import canonical_json
from .policy import save_policy
from .results import atomic_write_text, csv_text, write_json
from .space import Architecture
from .spec import AgentSpec, Run, agent_spec
from .train import EvalSettings, Trainer, train

CHECKPOINT_NAME = "checkpoint.pkl"


class UsageError(ValueError):
    pass


def fingerprint(resolved: dict, seed: int | list[int]) -> str:
    """Identity of one run: equal iff the training settings and the seed are equal."""
    return hashlib.sha256(canonical_json({"resolved": resolved, "seed": seed}).encode()).hexdigest()[:16]


def versions() -> dict:
    import matplotlib
    import numpy
    import pandas
    import scipy
    import torch

    return {
        "python": platform.python_version(), "nasdqn": __version__, "torch": torch.__version__, "numpy": numpy.__version__,
        "pandas": pandas.__version__, "scipy": scipy.__version__, "matplotlib": matplotlib.__version__,
    }


@dataclass(frozen=True)
class TrainJob:
    """Runs of one agent trained in one process, and where everything goes."""

    resolved: dict
    spec: AgentSpec
    seeds: list[int]
    episodes: int
    dirs: list[Path]
    checkpoint: Path

    @classmethod
    def create(cls, resolved: dict, seeds: list[int], out: str, checkpoint_dir: str | None) -> "TrainJob":
        if len(set(seeds)) != len(seeds) or any(s < 0 for s in seeds):
            raise UsageError(f"--seed: expected distinct non-negative integers, got {seeds}")
        if len(seeds) > 1 and "{seed}" not in out:
            raise UsageError("--out: with several --seed values the path must contain '{seed}'")
        dirs = [Path(out.replace("{seed}", str(s))) for s in seeds]
        job = cls(resolved, agent_spec(resolved), list(seeds), int(resolved["episodes"]), dirs,
                  Path(checkpoint_dir or dirs[0]) / CHECKPOINT_NAME)
        for d, s in zip(dirs, seeds):
            job.check_out_dir(d, fingerprint(resolved, s))
        return job

    @property
    def runs(self) -> list[Run]:
        return [Run(self.spec, s) for s in self.seeds]

    @property
    def evaluation(self) -> EvalSettings:
        return EvalSettings(**self.resolved["evaluation"])

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.resolved, self.seeds[0] if len(self.seeds) == 1 else self.seeds)

    @staticmethod
    def check_out_dir(path: Path, fp: str) -> None:
        """Refuse an output directory that already holds a different run."""
        run_json = path / "run.json"
        if run_json.exists():
            try:
                other = json.loads(run_json.read_text()).get("fingerprint")
            except ValueError:
                other = None
            if other != fp:
                raise UsageError(f"--out {path}: holds a different run (run.json fingerprint {other}, this run {fp}); "
                                 "choose another directory or delete it")

    def resume(self, stale: str) -> tuple[Trainer | None, float]:
        """The trainer restored from this job's checkpoint (and the wall time it had used)."""
        if not self.checkpoint.exists():
            return None, 0.0
        try:
            payload = checkpoint.load(self.checkpoint, self.fingerprint)
        except checkpoint.CheckpointError as exc:
            if stale == "refuse":
                raise UsageError(f"{exc}; not loaded. Delete it, or pass --stale-checkpoint discard") from None
            print(f"warning: {exc}; discarded, starting from scratch", file=sys.stderr, flush=True)
            self.checkpoint.unlink()
            return None, 0.0
        trainer = Trainer(self.runs, self.episodes, self.evaluation)
        trainer.load_state_dict(payload["trainer"])
        print(f"resuming from {self.checkpoint} at episode {trainer.episode}/{self.episodes}", file=sys.stderr, flush=True)
        return trainer, float(payload["wall_seconds"])

    def progress_line(self, tr: Trainer, steps_per_second: float) -> None:
        avg = ", ".join(f"{tr.rolling_mean(i):7.1f}" for i in range(tr.n))
        archs = ", ".join(a.name for a in tr.pool.archs)
        print(f"[{self.spec.name} seed {','.join(map(str, self.seeds))}] episode {tr.episode}/{self.episodes} "
              f"avg50 {avg} arch {archs} {steps_per_second:,.0f} steps/s", file=sys.stderr, flush=True)

    def run(self, stale: str, progress_every: int, checkpoint_every: int) -> tuple[Trainer, float]:
        """Train (resuming if a checkpoint of this job exists); returns the trainer and wall seconds."""
        trainer, wall_before = self.resume(stale)
        start = time.perf_counter()

        def after_episode(tr: Trainer) -> None:
            if tr.episode % checkpoint_every == 0 and not tr.done:
                checkpoint.save(self.checkpoint, tr, self.fingerprint, wall_before + time.perf_counter() - start)

        trainer = train(self.runs, self.episodes, self.progress_line, progress_every, trainer=trainer, after_episode=after_episode,
                        evaluation=self.evaluation)
        return trainer, wall_before + time.perf_counter() - start

    def write_policies(self, d: Path, trainer: Trainer, i: int, seed: int) -> None:
        """policy.pt (the final network) and window_policies/window{k}.pt (the network at the end
        of each architecture window, for an agent that searches; empty otherwise)."""
        env = self.spec.env
        meta = {"agent": self.spec.name, "seed": seed, "initial_state": env.initial_state,
                "initial_theta_high": env.initial_theta_high, "initial_omega_high": env.initial_omega_high}
        save_policy(d / POLICY_FILE, trainer.pool.archs[i], trainer.pool.online_params(i), {**meta, "episode": trainer.episode})
        windows = d / WINDOW_POLICIES
        windows.mkdir(parents=True, exist_ok=True)
        for snap in trainer.logs[i].snapshots:
            save_policy(windows / f"window{snap['window']:02d}.pt", Architecture.parse(snap["architecture"]), snap["params"],
                        {**meta, "episode": snap["episode"], "window": snap["window"]})

    def write_outputs(self, trainer: Trainer, wall: float) -> None:
        info = versions()
        n = len(self.seeds)
        for i, (d, seed) in enumerate(zip(self.dirs, self.seeds)):
            atomic_write_text(d / "episodes.csv", csv_text(EPISODE_COLUMNS, trainer.logs[i].episodes))
            atomic_write_text(d / "architectures.csv", csv_text(ARCHITECTURE_COLUMNS, trainer.search.windows[i]))
            atomic_write_text(d / "evaluations.csv", csv_text(EVALUATION_COLUMNS, trainer.logs[i].evaluations))
            self.write_policies(d, trainer, i, seed)
            write_json(d / "run.json", {
                "agent": self.spec.name, "seed": seed, "seeds_in_job": n, "episodes": self.episodes,
                "fingerprint": fingerprint(self.resolved, seed), "resolved_config": self.resolved, "versions": info,
                "wall_seconds": wall, "env_steps": trainer.global_step * n, "env_steps_per_second": trainer.global_step * n / wall,
                "search_overhead_seconds": trainer.search_seconds / n,
            })
