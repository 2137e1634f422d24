"""Environment steps per second of the training loop (updates included), per fixed architecture.

    python benchmarks/bench_train.py [--episodes 100] [--train-freq 4] [--config config/config.yaml]

Runs each fixed agent of the config for --episodes episodes in one process, one thread, with
the config's learner settings, after a warm-up of learning_starts steps, and prints steps/s.
"""
from __future__ import annotations

# isort: off
import nasdqn  # noqa: F401  (first: fixes OpenBLAS's kernel before numpy loads, as in every CLI process)
# isort: on

import argparse
import dataclasses
import time

import torch

from nasdqn.learning.spec import agent_spec
from nasdqn.learning.trainer import Trainer, runs_of
from nasdqn.settings.config import load, resolved_agent_config


def steps_per_second(spec, episodes: int, seeds: list[int]) -> float:
    trainer = Trainer(runs_of(spec, seeds), episodes + 10)
    for _ in range(10):  # warm-up: fill the replay memory past learning_starts
        trainer.run_episode()
    t0, s0 = time.perf_counter(), trainer.total_steps
    for _ in range(episodes):
        trainer.run_episode()
    return (trainer.total_steps - s0) / (time.perf_counter() - t0)  # every run's steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="config/config.yaml")
    ap.add_argument("--episodes", type=int, default=100)
    ap.add_argument("--train-freq", type=int, help="override dqn.train_freq")
    ap.add_argument("--seeds", type=int, default=1, help="seeds trained together in one process")
    args = ap.parse_args()
    torch.set_num_threads(1)
    cfg = load(args.config)
    print(f"torch {torch.__version__}, 1 thread, {args.episodes} episodes after warm-up, seeds per process {args.seeds}")
    for agent, a in cfg["agents"].items():
        if a["controller"] != "fixed":
            continue
        spec = agent_spec(resolved_agent_config(cfg, agent))
        if args.train_freq:
            spec = dataclasses.replace(spec, dqn=dataclasses.replace(spec.dqn, train_freq=args.train_freq))
        sps = steps_per_second(spec, args.episodes, list(range(args.seeds)))
        print(f"{agent:14s} {spec.architecture.name:12s} train_freq {spec.dqn.train_freq}: {sps:10,.0f} env steps/s")


if __name__ == "__main__":
    main()
