"""Training jobs as the CLI runs them: which runs share a process, where their files go,
resuming from a checkpoint, and writing each run's episodes.csv, architectures.csv,
evaluations.csv, policies and run.json.

A job is one process. It trains one run, several seeds of one agent (`--seed` repeated), or
a training group of the workflow: any runs of a study (agents, seeds, variants) that the
workflow's plan put together (`protocol.runs_per_job`). Every run keeps its own random
streams, so its files are byte-identical however it is grouped.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from nasdqn.jobs import checkpoint
from nasdqn.jobs.policy import save_policy
from nasdqn.jobs.provenance import openblas, provenance
from nasdqn.jobs.results import ResultsError, atomic_write_text, csv_text, read_architectures, write_json
from nasdqn.learning.budget import Budget
from nasdqn.learning.spec import AgentSpec, PartnerWindows, Run, agent_spec
from nasdqn.learning.switch import logs_warm_starts
from nasdqn.learning.trainer import EvalSettings, Trainer, deployed, train
from nasdqn.settings.columns import ARCHITECTURE_COLUMNS, EPISODE_COLUMNS, EVALUATION_COLUMNS, POLICY_FILE, RUN_FILES, WARM_START_COLUMNS, WINDOW_POLICIES
from nasdqn.settings.deps import code_digest
from nasdqn.settings.errors import UsageError
from nasdqn.settings.identity import RunRecord, canonical_json, digest, fingerprint, run_dir
from nasdqn.settings.kernels import KERNEL
from nasdqn.settings.plan import staged_runs
from nasdqn.settings.space import Architecture

CHECKPOINT_NAME = "checkpoint.pkl"


def spec_of(run: RunRecord, partner_dir: Path | None = None) -> AgentSpec:
    """The run's AgentSpec; a yoked run's with its partner run's windows, read from the partner's
    architectures.csv in `partner_dir` (default: the partner's directory in the workflow's layout)."""
    assert run.settings is not None
    if run.settings["controller"] != "yoked":
        return agent_spec(run.settings)
    partner = run.settings["partner"]
    folder = partner_dir or Path(run_dir(partner["run"], run.seed))
    try:
        recorded = json.loads((folder / "run.json").read_text())
        rows = read_architectures(folder / "architectures.csv").to_dict("records")
    except (OSError, ValueError, ResultsError) as exc:
        raise UsageError(f"agent {run.agent!r} seed {run.seed} is yoked to {partner['agent']!r}, whose run must be trained "
                         f"first: {folder}: {exc}") from None
    if (recorded.get("agent"), recorded.get("seed")) != (partner["agent"], run.seed):
        raise UsageError(f"agent {run.agent!r} seed {run.seed}: {folder} holds agent {recorded.get('agent')!r} seed "
                         f"{recorded.get('seed')}, not its partner {partner['agent']!r} seed {run.seed}")
    return agent_spec(run.settings, PartnerWindows.from_rows(partner["agent"], rows))


def check_out_dir(member: RunRecord) -> None:
    """Refuse an output directory that already holds a different run."""
    run_json = member.dir / "run.json"
    if run_json.exists():
        try:
            other = json.loads(run_json.read_text()).get("fingerprint")
        except ValueError:
            other = None
        if other != member.fingerprint:
            raise UsageError(f"--out {member.dir}: holds a different run (run.json fingerprint {other}, this run "
                             f"{member.fingerprint}); choose another directory or delete it")


@dataclass(frozen=True)
class TrainJob:
    """Runs trained in one process, and where everything goes."""

    members: list[RunRecord]
    checkpoint: Path
    fingerprint: str  # identity of the job: a checkpoint of another job is refused
    partner_dirs: tuple[Path | None, ...] = ()  # per member: where a yoked run's partner run is (None: the workflow's layout)

    @classmethod
    def for_seeds(cls, resolved: dict, seeds: list[int], out: str, checkpoint_dir: str | None, partner_dir: str | None = None) -> "TrainJob":
        """Seeds of one agent (the CLI's repeated --seed), into out with '{seed}' filled in (and a
        yoked agent's partner runs from partner_dir, '{seed}' filled in likewise)."""
        if len(set(seeds)) != len(seeds) or any(s < 0 for s in seeds):
            raise UsageError(f"--seed: expected distinct non-negative integers, got {seeds}")
        if len(seeds) > 1 and "{seed}" not in out:
            raise UsageError("--out: with several --seed values the path must contain '{seed}'")
        members = [RunRecord(resolved["agent"], s, Path(out.replace("{seed}", str(s))), resolved) for s in seeds]
        for m in members:
            check_out_dir(m)
        fp = fingerprint(resolved, seeds[0] if len(seeds) == 1 else list(seeds))
        partners = tuple(Path(partner_dir.replace("{seed}", str(s))) if partner_dir else None for s in seeds)
        return cls(members, Path(checkpoint_dir or members[0].dir) / CHECKPOINT_NAME, fp, partners)

    @property
    def runs(self) -> list[Run]:
        dirs = self.partner_dirs or (None,) * len(self.members)
        return [Run(spec_of(m, d), m.seed) for m, d in zip(self.members, dirs)]

    @property
    def budget(self) -> Budget:
        return _one({(m.settings["unit"], int(m.settings["budget"])) for m in self.members}, "protocol.unit and budget",
                    lambda b: Budget(*b))

    @property
    def evaluation(self) -> EvalSettings:
        return EvalSettings(**_one({canonical_json(m.settings["evaluation"]) for m in self.members}, "evaluation", json.loads))

    def resume(self, stale: str) -> tuple[Trainer | None, float]:
        """The trainer restored from this job's checkpoint (and the wall time it had used)."""
        if not self.checkpoint.exists():
            return None, 0.0
        trainer = Trainer(self.runs, self.budget, self.evaluation)
        try:
            payload = checkpoint.load(self.checkpoint, self.fingerprint)
            checkpoint.restore(trainer, payload, self.checkpoint)
        except checkpoint.CheckpointError as exc:
            if stale == "refuse":
                raise UsageError(f"{exc}; not loaded. Delete it, or pass --stale-checkpoint discard") from None
            print(f"warning: {exc}; discarded, starting from scratch", file=sys.stderr, flush=True)
            self.checkpoint.unlink()
            return None, 0.0
        print(f"resuming from {self.checkpoint} at {where(trainer, self.budget)}", file=sys.stderr, flush=True)
        return trainer, float(payload["wall_seconds"])

    def progress_line(self, tr: Trainer, steps_per_second: float) -> None:
        names = sorted({m.agent for m in self.members})
        who = f"{', '.join(names)} seed {','.join(str(m.seed) for m in self.members)}" if len(names) == 1 else f"{len(self.members)} runs"
        avg = ", ".join(f"{tr.recorder.rolling_mean(i):7.1f}" for i in range(tr.n))
        archs = ", ".join(a.name for a in tr.learners.archs)
        print(f"[{who}] {where(tr, self.budget)} avg50 {avg} arch {archs} {steps_per_second:,.0f} steps/s",
              file=sys.stderr, flush=True)

    def run(self, stale: str, progress_every: int, checkpoint_every: int) -> tuple[Trainer, float]:
        """Train (resuming if a checkpoint of this job exists); returns the trainer and wall seconds."""
        warn_if_other_kernel()
        trainer, wall_before = self.resume(stale)
        start = time.perf_counter()

        def after_episode(tr: Trainer) -> None:
            if tr.episode % checkpoint_every == 0 and not tr.done:
                checkpoint.save(self.checkpoint, tr, self.fingerprint, wall_before + time.perf_counter() - start)

        trainer = train(self.runs, self.budget, self.progress_line, progress_every, trainer=trainer, after_episode=after_episode,
                        evaluation=self.evaluation)
        return trainer, wall_before + time.perf_counter() - start

    def write_policies(self, m: RunRecord, trainer: Trainer, i: int) -> None:
        """policy.pt (the network the run deploys: its last one, or with nas.deploy = best_window
        the one at the end of its best-scored window) and window_policies/window{k}.pt (the network
        at the end of each architecture window, for an agent that searches; empty otherwise)."""
        meta = {"agent": m.agent, "seed": m.seed, **trainer.task.policy_meta()}
        arch, params, window = deployed(trainer, i)
        extra = {} if window is None else {"deployed_window": window}
        save_policy(m.dir / POLICY_FILE, arch, params, {**meta, "episode": int(trainer.counters.episodes_done[i]), **extra})
        windows = m.dir / WINDOW_POLICIES
        windows.mkdir(parents=True, exist_ok=True)
        for snap in trainer.logs[i].snapshots:
            save_policy(windows / f"window{snap['window']:02d}.pt", Architecture.parse(snap["architecture"]), snap["params"],
                        {**meta, "episode": snap["episode"], "window": snap["window"]})

    def write_outputs(self, trainer: Trainer, wall: float) -> None:
        """Every run's files; run.json last, so that a run with a matching run.json is complete.
        run.json's "provenance" says what made the run (nasdqn/jobs/provenance.py); "versions" is
        its package versions, kept where readers of older run.json files look for them."""
        made_by, n, code = provenance(), len(self.members), {"train": code_digest("train")}
        for i, m in enumerate(self.members):
            atomic_write_text(m.dir / "episodes.csv", csv_text(EPISODE_COLUMNS, trainer.logs[i].episodes))
            columns = ARCHITECTURE_COLUMNS + (WARM_START_COLUMNS if logs_warm_starts(trainer.runs[i].spec) else [])
            atomic_write_text(m.dir / "architectures.csv", csv_text(columns, trainer.search.windows[i]))
            atomic_write_text(m.dir / "evaluations.csv", csv_text(EVALUATION_COLUMNS, trainer.logs[i].evaluations))
            self.write_policies(m, trainer, i)
            write_json(m.dir / "run.json", {
                "agent": m.agent, "seed": m.seed, "runs_in_job": n, "episodes": len(trainer.logs[i].episodes),
                "budget": {"unit": self.budget.unit, "amount": self.budget.amount}, "run_env_steps": int(trainer.counters.steps[i]),
                "fingerprint": m.fingerprint, "resolved_config": m.settings,
                "provenance": made_by, "versions": made_by["versions"],
                "wall_seconds": wall, "env_steps": trainer.total_steps, "env_steps_per_second": trainer.total_steps / wall,
                "search_overhead_seconds": trainer.search_seconds / n, "code": code,
            })


def warn_if_other_kernel() -> None:
    """Say so in the job's log when numpy's OpenBLAS does not run the kernel every CPU shares
    (nasdqn/settings/kernels.py): this run's numbers may then differ from other machines'."""
    core = (openblas().get("numpy") or {}).get("core")
    if core is not None and core != KERNEL:
        print(f"warning: numpy's OpenBLAS runs its {core} kernels, not {KERNEL}: this run's numbers may differ from other "
              f"CPUs' (import nasdqn before numpy, or set OPENBLAS_CORETYPE={KERNEL}; run.json records the kernel)",
              file=sys.stderr, flush=True)


def where(tr: Trainer, budget: Budget) -> str:
    """How far training is: 'episode e/N', or 'episode e, step s/N' (the slowest run)."""
    if budget.in_steps:
        return f"episode {tr.episode}, step {int(tr.counters.steps.min())}/{budget.amount}"
    return f"episode {tr.episode}/{budget.amount}"


def _one(values: set, what: str, parse=lambda v: v):
    if len(values) != 1:
        raise UsageError(f"runs trained in one process must share {what}")
    return parse(next(iter(values)))


# ----- training groups of the workflow ---------------------------------------------------------
@contextmanager
def _locked(path: Path):
    """An exclusive lock on `path` (released by the OS if the process dies)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def find_group(plan_file: Path, out: Path) -> dict | None:
    """The training group (from the workflow's plan) whose members include the run in `out`
    (None without a plan: a run the workflow reruns for a reason of its own trains alone)."""
    if not plan_file.exists():
        return None
    try:
        plan = json.loads(plan_file.read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(f"--group-plan {plan_file}: cannot be read ({exc})") from None
    return next((g for g in plan["groups"] if str(out) in {m["dir"] for m in g["members"]}), None)


def train_in_group(group: dict, me: RunRecord, staging_root: Path, stale: str, progress_every: int, checkpoint_every: int) -> None:
    """Run `me` as part of its training group: the first member to arrive trains every run of
    the group in one process into staging directories; every member then copies its own run
    out. A killed group resumes from its checkpoint, whichever member arrives next."""
    staging = staging_root / group["id"]
    members = [RunRecord(m["settings"]["agent"], int(m["seed"]), staging / str(k), m["settings"]) for k, m in enumerate(group["members"])]
    mine = next(k for k, m in enumerate(group["members"]) if m["dir"] == str(me.dir))
    if members[mine].settings != me.settings or members[mine].seed != me.seed:
        raise UsageError(f"--group-plan: group {group['id']} holds other settings for {me.dir}; rerun the workflow")
    with _locked(staging / "lock"):
        if not members[mine].written():
            members = still_to_train(members, group["members"], mine)
            fp = digest([m.fingerprint for m in members], "job")
            job = TrainJob(members, staging / CHECKPOINT_NAME, fp)
            trainer, wall = job.run(stale, progress_every, checkpoint_every)
            job.write_outputs(trainer, wall)
            job.checkpoint.unlink(missing_ok=True)
        else:
            print(f"run trained by group {group['id']} ({len(members)} runs in one process); copying it out", file=sys.stderr)
    if not _copy_out(staging / str(mine), me):
        raise UsageError(f"{staging / str(mine)}: the group's copy of {me.dir} is missing; rerun the workflow")


def adopt_staged(me: RunRecord, staging_root: Path) -> bool:
    """Move `me` into place from a training group's staging directory where that group finished
    it and no job copied it out (the workflow was killed, and regrouped without it): True if so,
    or if another job moved it into `me`'s directory meanwhile."""
    staged = staged_runs(staging_root, code_digest("train")).get(me.fingerprint)
    if staged is None:
        return False
    note = f"run trained by group {staged.parent.name} of an earlier invocation; copying it out"
    return _copy_out(staged, me, note)


def _copy_out(staged: Path, me: RunRecord, note: str | None = None) -> bool:
    """Under the group's lock (one copy at a time: a group's own job and a later invocation's may
    both come for a run): move the staged run into `me`'s directory if it is still there (saying
    `note`), drop the group's staging directory once no run waits in it (its lock and checkpoint
    with it), and tell whether `me`'s run is in place."""
    with _locked(staged.parent / "lock"):
        if (staged / "run.json").exists():
            if note:
                print(note, file=sys.stderr)
            _move_run(staged, me.dir)
        if not any(p.is_dir() for p in staged.parent.iterdir()):
            shutil.rmtree(staged.parent)
    return me.written()


def still_to_train(members: list[RunRecord], planned: list[dict], mine: int) -> list[RunRecord]:
    """The group's members but those whose own directory already holds their run, written by
    today's training code (a plan left from an earlier invocation, or a run this job was forced
    to redo: finished runs are never trained again)."""
    current = code_digest("train")
    done = set()
    for k, m in enumerate(planned):
        try:
            recorded = json.loads((Path(m["dir"]) / "run.json").read_text())
        except (OSError, ValueError):
            continue
        if k != mine and recorded.get("fingerprint") == members[k].fingerprint and recorded.get("code", {}).get("train") == current:
            done.add(k)
    return [m for k, m in enumerate(members) if k not in done]


def _move_run(src: Path, dst: Path) -> None:
    """Copy a run's files into place (run.json last), then drop the staged copy."""
    dst.mkdir(parents=True, exist_ok=True)
    if (dst / WINDOW_POLICIES).exists():
        shutil.rmtree(dst / WINDOW_POLICIES)
    shutil.copytree(src / WINDOW_POLICIES, dst / WINDOW_POLICIES)
    for name in [f for f in RUN_FILES if f != "run.json"] + [POLICY_FILE, "run.json"]:
        tmp = dst / f".{name}.tmp"
        shutil.copyfile(src / name, tmp)
        os.replace(tmp, dst / name)
    (src / "run.json").unlink()  # first: a copy half deleted is not a finished run (plan.staged_runs)
    shutil.rmtree(src)
