"""The rates a training job's SLURM time request is computed from (nasdqn/settings/resources.py).

    python benchmarks/bench_rates.py [--steps 3000] [--tasks nasdqn/InvertedPendulum-v0 CartPole-v1 Acrobot-v1]

For every architecture of the search space, one fixed run in one process, one thread, measured
end to end with the training loop (`train`): microseconds per environment step without learning
(acting: the network's forward pass, the task's step on the pendulum, replay insertion, the
loop's bookkeeping) and with one gradient update per step at batch 64 (their difference is one
update). Per task, the extra microseconds per step of its environment over the pendulum's, with
the smallest network. CPU time (a job's own core), the largest of --repeat measurements. Prints
the CPU and the three tables in the form resources.py holds them.
"""
from __future__ import annotations

# isort: off
import nasdqn  # noqa: F401  (first: fixes OpenBLAS's kernel before numpy loads, as in every CLI process)
# isort: on

import argparse
import platform
import subprocess
import time

from nasdqn.learning.budget import Budget
from nasdqn.learning.controller import NASSettings
from nasdqn.learning.dqn import DQNSettings
from nasdqn.learning.spec import AgentSpec
from nasdqn.learning.trainer import runs_of, train
from nasdqn.settings.space import SEARCH_SPACE, Architecture
from nasdqn.settings.table import PENDULUM_ID
from nasdqn.tasks import TaskSettings


def cpu_name() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        return platform.processor() or "unknown CPU"


def us_per_step(arch: Architecture, task: str, steps: int, learn: bool) -> float:
    """Microseconds per environment step of one fixed run, learning at every step or never."""
    dqn = DQNSettings.from_config(batch_size=64, replay_size=max(steps, 64), train_freq=1,
                                  learning_starts=64 if learn else steps + 1, epsilon_decay=0)
    spec = AgentSpec("bench", "fixed", arch, dqn, NASSettings.from_config(), TaskSettings.from_config(id=task))
    runs = runs_of(spec, [0])
    train(runs, Budget("steps", 64))  # warm-up: imports, first allocations
    t0 = time.process_time()  # CPU time: what a job on its own allocated core takes, undisturbed by other load here
    train(runs, Budget("steps", steps))
    return (time.process_time() - t0) / steps * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=3000, help="environment steps per measurement")
    ap.add_argument("--tasks", nargs="*", default=["CartPole-v1", "Acrobot-v1"], help="Gymnasium tasks besides the pendulum")
    ap.add_argument("--archs", type=int, help="measure only the first N architectures of the search space (a quick check)")
    ap.add_argument("--repeat", type=int, default=1, help="measure every rate this many times and keep the largest")
    args = ap.parse_args()
    archs = SEARCH_SPACE[: args.archs] if args.archs else SEARCH_SPACE
    print(f"CPU: {cpu_name()}; {args.steps} steps per measurement (CPU time, the largest of {args.repeat}), 1 thread, batch 64")
    act, update = {}, {}
    for arch in archs:
        base = max(us_per_step(arch, PENDULUM_ID, args.steps, learn=False) for _ in range(args.repeat))
        learn = max(us_per_step(arch, PENDULUM_ID, args.steps, learn=True) for _ in range(args.repeat))
        shape = (arch.layers, arch.units)  # the slowest activation of a shape stands for all three
        act[shape], update[shape] = max(act.get(shape, 0.0), base), max(update.get(shape, 0.0), learn - base)
        print(f"{arch.name:18s} act {base:8.1f} us/step   update {learn - base:8.1f} us")
    smallest = archs[0]
    pendulum = us_per_step(smallest, PENDULUM_ID, args.steps, learn=False)
    env = {PENDULUM_ID: 0.0}
    for task in args.tasks:
        env[task] = max(0.0, us_per_step(smallest, task, args.steps, learn=False) - pendulum)
        print(f"{task:18s} env  {env[task]:8.1f} us/step more than the pendulum ({smallest.name})")
    print("ACT_US =", {k: round(v) for k, v in sorted(act.items())})
    print("UPDATE_US =", {k: round(v) for k, v in sorted(update.items())})
    print("ENV_US =", {k: round(v) for k, v in env.items()})


if __name__ == "__main__":
    main()
