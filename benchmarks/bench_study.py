"""CPU time of a study's training: one process per run against runs sharing processes.

    python benchmarks/bench_study.py [--config config/config.yaml] [--episodes 400] [--runs-per-job 8]

Trains every run of the study's plan (every agent x seed, every distinct run of every
variant) for --episodes episodes twice, side by side in this process: each run on its own
(what one process per run computes), then in groups of --runs-per-job runs (what the
workflow's training groups compute: stacked networks, one pendulum array), and prints the
process CPU time of both and their ratio. It also prints the study's update FLOPs, this core's
matmul rate and the time those FLOPs would take at that rate, so the distance from the
arithmetic limit is visible. Process start-up (about 2 s of imports per process) is not counted,
which favours the one-process-per-run side.
"""
from __future__ import annotations

import argparse
import platform
import subprocess
import time

import torch
from flops import matmul_gflops, update_flops

from nasdqn.learning.spec import Run, agent_spec
from nasdqn.learning.trainer import Trainer
from nasdqn.settings.config import load
from nasdqn.settings.plan import study_plan, training_groups
from nasdqn.settings.space import Architecture


def cpu_seconds(runs: list[Run], episodes: int) -> tuple[float, Trainer]:
    t0 = time.process_time()
    trainer = Trainer(runs, episodes)
    while not trainer.done:
        trainer.run_episode()
    return time.process_time() - t0, trainer


def study_update_flops(trainers: list[Trainer]) -> float:
    """FLOPs of every gradient update the trainers made (architecture in use, episode by episode)."""
    total = 0.0
    for tr in trainers:
        for i, run in enumerate(tr.runs):
            dqn = run.spec.dqn
            for row in tr.logs[i].episodes:
                first_step, last_step = (row["episode"] - 1) * row["steps"] + 1, row["episode"] * row["steps"]
                updates = sum(1 for s in range(max(first_step, dqn.learning_starts), last_step + 1) if s % dqn.train_freq == 0)
                arch = Architecture(int(row["layers"]), int(row["units"]), row["activation"])
                total += updates * update_flops(arch, dqn.batch_size)
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="config/config.yaml")
    ap.add_argument("--episodes", type=int, default=400)
    ap.add_argument("--runs-per-job", type=int, default=8)
    args = ap.parse_args()
    torch.set_num_threads(1)
    cfg = load(args.config)
    plan = study_plan(cfg)
    unique = plan.unique_runs()
    runs = {str(r.dir): Run(agent_spec(r.settings), r.seed) for r in unique}
    groups = training_groups(plan, args.runs_per_job, set(runs))
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next((line.split(":", 1)[1].strip() for line in cpu.splitlines() if line.startswith("Model name")), platform.processor())
    print(f"{model}; torch {torch.__version__}, 1 thread; {args.config}: {len(runs)} runs x {args.episodes} episodes; "
          f"groups of up to {args.runs_per_job}: {[len(g) for g in groups]}")
    alone = [cpu_seconds([runs[str(r.dir)]], args.episodes) for r in unique]
    grouped = [cpu_seconds([runs[str(r.dir)] for r in g], args.episodes) for g in groups]
    t_alone, t_grouped = sum(t for t, _ in alone), sum(t for t, _ in grouped)
    flops, rate = study_update_flops([tr for _, tr in grouped]), matmul_gflops()
    print(f"one process per run: {t_alone:8.1f} s CPU")
    print(f"training groups:     {t_grouped:8.1f} s CPU   ratio {t_grouped / t_alone:.3f}")
    print(f"update FLOPs {flops / 1e12:.2f} TFLOP; 1024x1024 matmul {rate:.1f} GFLOP/s on this core -> {flops / rate / 1e9:.1f} s "
          f"at the arithmetic limit; the grouped training takes {t_grouped / (flops / rate / 1e9):.1f}x that")


if __name__ == "__main__":
    main()
