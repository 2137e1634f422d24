"""Cost of checkpointing at the default interval, as a share of training time.

    python benchmarks/bench_checkpoint.py [--agent nas_dqn] [--episodes 400]

Trains one agent of the paper config for --episodes episodes and writes a checkpoint every
protocol.checkpoint_every episodes exactly as the CLI does (pickle, fsync, rename), timing
the writes separately from the training.
"""
from __future__ import annotations

# isort: off
import nasdqn  # noqa: F401  (first: fixes OpenBLAS's kernel before numpy loads, as in every CLI process)
# isort: on

import argparse
import tempfile
import time
from pathlib import Path

import torch

from nasdqn.jobs import checkpoint
from nasdqn.learning.spec import agent_spec
from nasdqn.learning.trainer import Trainer, runs_of
from nasdqn.settings.config import load, resolved_agent_config


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="config/config.yaml")
    ap.add_argument("--agent", default="fixed_medium")
    ap.add_argument("--episodes", type=int, default=400)
    args = ap.parse_args()
    torch.set_num_threads(1)
    cfg = load(args.config)
    every = cfg["protocol"]["checkpoint_every"]
    spec = agent_spec(resolved_agent_config(cfg, args.agent))
    trainer = Trainer(runs_of(spec, [0]), args.episodes)
    train_s = ckpt_s = 0.0
    writes, size = 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "checkpoint.pkl"
        while not trainer.done:
            t0 = time.perf_counter()
            trainer.run_episode()
            t1 = time.perf_counter()
            train_s += t1 - t0
            if trainer.episode % every == 0:
                checkpoint.save(path, trainer, "bench", train_s)
                ckpt_s += time.perf_counter() - t1
                writes += 1
                size = path.stat().st_size
    print(f"{args.agent}: {args.episodes} episodes, training {train_s:.2f} s, {writes} checkpoints "
          f"({size / 1e6:.1f} MB each) {ckpt_s:.3f} s = {100 * ckpt_s / train_s:.2f}% of training time "
          f"(checkpoint_every = {every})")


if __name__ == "__main__":
    main()
