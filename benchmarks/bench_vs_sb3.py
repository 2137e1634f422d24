"""Our training loop against Stable-Baselines3 DQN, side by side, in one process.

    pip install stable-baselines3==2.9.2     # benchmark-only; never a runtime dependency
    python benchmarks/bench_vs_sb3.py [--steps 20000] [--rounds 2] [--train-freq 1]

Both train on the same pendulum (ours, wrapped as a gymnasium Env for SB3), with the same
network (L x U ReLU MLP), batch 64, learning rate, replay size, train frequency, learning
starts and target period, one torch thread. They alternate (ours, SB3, ours, SB3, ...) and
the best round of each is kept, so that machine noise hits both alike. For 4x128 it also
prints the arithmetic rate of one training update next to a large matmul's rate measured in
the same run (the practical ceiling of this core). Algorithmic differences that remain: SB3's
DQN uses the plain (not Double) DQN target and its own epsilon schedule; neither changes the
cost of a step by more than one extra forward pass on SB3's side.
"""
from __future__ import annotations

# isort: off
import nasdqn  # noqa: F401  (first: fixes OpenBLAS's kernel before numpy loads, as in every CLI process)
# isort: on

import argparse
import time

import numpy as np
import torch
from flops import matmul_gflops, update_flops

from nasdqn.learning.controller import NASSettings
from nasdqn.learning.dqn import DQNGroup, DQNSettings, fresh_member
from nasdqn.learning.network import Architecture
from nasdqn.learning.spec import AgentSpec
from nasdqn.learning.trainer import Trainer, runs_of
from nasdqn.tasks import TaskSettings, make_task

ARCHS = [Architecture(2, 32, "relu"), Architecture(3, 64, "relu"), Architecture(4, 128, "relu")]


def ours_steps_per_second(arch: Architecture, dqn: DQNSettings, steps: int) -> float:
    spec = AgentSpec("bench", "fixed", arch, dqn, NASSettings.from_config(), TaskSettings.from_config())
    horizon = make_task(spec.env).info.max_steps
    episodes = max(1, steps // horizon)
    warm = dqn.learning_starts // horizon + 1
    trainer = Trainer(runs_of(spec, [0]), episodes + warm)
    for _ in range(warm):
        trainer.run_episode()
    t0, s0 = time.perf_counter(), trainer.total_steps
    for _ in range(episodes):
        trainer.run_episode()
    return (trainer.total_steps - s0) / (time.perf_counter() - t0)


def sb3_steps_per_second(arch: Architecture, dqn: DQNSettings, steps: int) -> float:
    from stable_baselines3 import DQN

    from nasdqn.tasks.gym_pendulum import GymInvertedPendulum  # truncates itself at the horizon

    model = DQN(
        "MlpPolicy", GymInvertedPendulum(), learning_rate=dqn.learning_rate, buffer_size=dqn.replay_size,
        learning_starts=dqn.learning_starts, batch_size=dqn.batch_size, gamma=dqn.gamma,
        train_freq=dqn.train_freq, gradient_steps=1, target_update_interval=dqn.target_update_steps,
        exploration_fraction=0.1, max_grad_norm=1e9, device="cpu", seed=0, verbose=0,
        policy_kwargs={"net_arch": [arch.units] * arch.layers, "activation_fn": torch.nn.ReLU,
                       "optimizer_class": torch.optim.SGD if dqn.optimizer == "sgd" else torch.optim.Adam},
    )
    model.learn(dqn.learning_starts + 200)  # warm-up past learning_starts
    t0 = time.perf_counter()
    model.learn(steps, reset_num_timesteps=False)
    return steps / (time.perf_counter() - t0)


def update_gflops(arch: Architecture, dqn: DQNSettings, reps: int = 300) -> float:
    rng = np.random.default_rng(0)
    group = DQNGroup(arch, [0], [fresh_member(arch, rng)], dqn)
    b = dqn.batch_size
    batch = (rng.normal(size=(1, 2 * b, 3)).astype(np.float32), rng.integers(0, 3, (1, b, 1)), rng.normal(size=(1, b, 1)).astype(np.float32),
             np.zeros((1, b, 1), dtype=np.float32))
    for _ in range(30):
        group.update(batch)
    t0 = time.perf_counter()
    for _ in range(reps):
        group.update(batch)
    return update_flops(arch, b) * reps / (time.perf_counter() - t0) / 1e9


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=20_000, help="timed environment steps per round")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--train-freq", type=int, default=1)
    ap.add_argument("--optimizer", default="sgd", choices=("sgd", "adam"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    dqn = DQNSettings.from_config(train_freq=args.train_freq, optimizer=args.optimizer, batch_size=64, learning_rate=1e-3,
                      replay_size=50_000, learning_starts=1_000, target_update_steps=1_000)
    print(f"torch {torch.__version__}, 1 thread; batch {dqn.batch_size}, train_freq {dqn.train_freq}, "
          f"optimizer {dqn.optimizer}, {args.steps} timed steps x {args.rounds} rounds, alternating")
    for arch in ARCHS:
        ours, sb3 = [], []
        for _ in range(args.rounds):
            ours.append(ours_steps_per_second(arch, dqn, args.steps))
            sb3.append(sb3_steps_per_second(arch, dqn, args.steps))
        print(f"{arch.name:12s} ours {max(ours):8,.0f} steps/s   SB3 {max(sb3):8,.0f} steps/s   ratio {max(ours) / max(sb3):5.2f}x")
    arch = ARCHS[-1]
    upd, mm = update_gflops(arch, dqn), matmul_gflops()
    print(f"{arch.name}: one update = {update_flops(arch, dqn.batch_size) / 1e6:.1f} MFLOP at {upd:.1f} GFLOP/s; "
          f"1024x1024 matmul {mm:.1f} GFLOP/s on this core; ratio {mm / upd:.2f}x")


if __name__ == "__main__":
    main()
