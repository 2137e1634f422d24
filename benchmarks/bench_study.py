"""A study's training CPU time: one process per run against the workflow's training groups, and
against another checkout of the code, side by side in one run.

    python benchmarks/bench_study.py [--config config/seeds10.yaml] [--study plain|oracle|nas_heavy|group]
                                     [--budget 300] [--runs-per-job 25] [--baseline DIR]

Studies: `plain` is the config as it is; `oracle` its search space's 27 architectures as fixed
agents (protocol.oracle) at 10 seeds; `nas_heavy` its searching agents only (NAS-DQN and
Random-NAS), whose networks change architecture and so stack into many small groups; `group`
one architecture (--arch) at 10 seeds, one group (the cost of a training group per run-step,
e.g. `--config config/mechanism/acrobot.yaml --study group --budget 20000 --runs-per-job 10`).
Every run of the study trains for --budget (in the config's protocol.unit) twice in this process,
each run alone (what one process per run computes) and then in the workflow's groups of
--runs-per-job runs; process start-up (about 2 s of imports per process) is not counted. With --baseline DIR (a checkout of other code,
e.g. `git worktree add /tmp/old <commit>`) the same study is also timed with that code, in a
subprocess running its own benchmarks/bench_study.py, after this code's: the two lines compare
codes, the ratios within each line compare one process per run with groups. The update FLOPs and
this core's matmul rate give the arithmetic limit.
"""
from __future__ import annotations

# isort: off
import nasdqn  # noqa: F401  (first: fixes OpenBLAS's kernel before numpy loads, as in every CLI process)
# isort: on

import argparse
import copy
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from flops import matmul_gflops, update_flops

from nasdqn.learning.budget import Budget
from nasdqn.learning.spec import Run, agent_spec
from nasdqn.learning.trainer import Trainer
from nasdqn.settings.config import oracle_agents, validate
from nasdqn.settings.plan import study_plan, training_groups
from nasdqn.settings.space import Architecture


def study_config(path: str, kind: str, arch: str = "2x64-relu") -> dict:
    cfg = yaml.safe_load(Path(path).read_text())
    cfg.pop("variants", None)
    cfg["protocol"]["oracle"] = False
    none = {"random_search": None, "matched_random": None, "fixed": [], "large_fixed": None, "medium_fixed": None}
    if kind == "group":  # one architecture at 10 seeds
        a = Architecture.parse(arch)
        name = f"arch_{a.layers}x{a.units}_{a.activation}"
        cfg["agents"] = {name: {"controller": "fixed", "architecture": {"layers": a.layers, "units": a.units, "activation": a.activation}}}
        cfg["roles"], cfg["protocol"]["seeds"] = {**none, "reference": name}, list(range(10))
    elif kind == "oracle":  # the 27 architectures at 10 seeds; roles need a reference agent: the first stands in
        agents = oracle_agents()
        cfg["agents"], cfg["roles"] = agents, {**none, "reference": next(iter(agents))}
        cfg["protocol"]["seeds"] = list(range(10))
    elif kind == "nas_heavy":
        cfg["agents"] = {a: s for a, s in cfg["agents"].items() if s["controller"] != "fixed"}
        cfg["roles"] = {**cfg["roles"], "fixed": [], "large_fixed": None, "medium_fixed": None}
    return validate(cfg)


def cpu_seconds(runs: list[Run], budget: Budget) -> tuple[float, Trainer]:
    t0 = time.process_time()
    trainer = Trainer(runs, budget)
    while not trainer.done:
        trainer.run_episode()
    return time.process_time() - t0, trainer


def study_update_flops(trainers: list[Trainer]) -> float:
    """FLOPs of every gradient update the trainers made (architecture in use, step by step)."""
    total = 0.0
    for tr in trainers:
        for i, run in enumerate(tr.runs):
            dqn, first = run.spec.dqn, 1
            for row in tr.logs[i].episodes:
                last = first + row["steps"] - 1
                updates = sum(1 for s in range(max(first, dqn.learning_starts), last + 1) if s % dqn.train_freq == 0)
                total += updates * update_flops(Architecture(int(row["layers"]), int(row["units"]), row["activation"]), dqn.batch_size)
                first = last + 1
    return total


def measure(cfg: dict, amount: int, runs_per_job: int) -> dict:
    budget = Budget(cfg["protocol"]["unit"], amount)
    plan = study_plan(cfg)
    unique = plan.unique_runs()
    runs = {str(r.dir): Run(agent_spec(r.settings), r.seed) for r in unique}
    groups = training_groups(plan, runs_per_job, set(runs))
    alone = sum(cpu_seconds([runs[str(r.dir)]], budget)[0] for r in unique)
    grouped = [cpu_seconds([runs[str(r.dir)] for r in g], budget) for g in groups]
    run_steps = sum(tr.total_steps for _, tr in grouped)
    return {"runs": len(unique), "groups": [len(g) for g in groups], "alone": alone, "grouped": sum(t for t, _ in grouped),
            "flops": study_update_flops([tr for _, tr in grouped]), "run_steps": run_steps}


def baseline(directory: str, cfg: dict, budget: int, runs_per_job: int) -> str:
    """The same study timed with the other checkout's package. From 0.2.0 on (a checkout with
    nasdqn/learning/budget.py) this very script runs with that package on its path, so both
    codes are measured by one benchmark; older checkouts (0.1.0's keys) run their own benchmark."""
    current = (Path(directory) / "nasdqn/learning/budget.py").exists()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "study.yaml"
        path.write_text(yaml.safe_dump(cfg if current else old_format(cfg), sort_keys=False))
        if current:
            cmd = [sys.executable, str(Path(__file__).resolve()), "--config", str(path), "--study", "plain", "--budget", str(budget),
                   "--runs-per-job", str(runs_per_job)]
        else:
            cmd = [sys.executable, "benchmarks/bench_study.py", "--config", str(path), "--episodes", str(budget), "--runs-per-job", str(runs_per_job)]
        proc = subprocess.run(cmd, cwd=directory, capture_output=True, text=True, env={"PYTHONPATH": directory, "PATH": "/usr/bin:/bin"})
        return proc.stdout + (proc.stderr[-2000:] if proc.returncode else "")


# the analysis section of that code (its values do not change training)
OLD_ANALYSIS = {"alpha": 0.05, "power": 0.8, "max_seeds": 100, "factor_tolerance": 1.5, "comparable_tolerance": 1.25,
                "negligible_share": 0.02, "bootstrap_samples": 10000, "bootstrap_seed": 20240101}


def old_format(cfg: dict) -> dict:
    """The study config in the keys of the code before protocol.unit (commit 4c12ea5, this turn's start)."""
    old = copy.deepcopy(cfg)
    p = old["protocol"]
    p["episodes"] = p.pop("budget")
    for key in ("unit", "oracle", "study"):
        p.pop(key)
    old["dqn"]["epsilon_decay_episodes"] = old["dqn"].pop("epsilon_decay")
    nas = old["nas"]
    nas["score_episodes"], nas["restart_decay_episodes"] = nas.pop("score_window"), nas.pop("restart_decay")
    nas.pop("keep_probability")
    old["roles"].pop("matched_random")
    old["analysis"] = dict(OLD_ANALYSIS)
    old["roles"]["reference"] = old["roles"]["reference"] or next(iter(old["agents"]))
    return old


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="config/seeds10.yaml")
    ap.add_argument("--study", choices=("plain", "oracle", "nas_heavy", "group"), default="plain")
    ap.add_argument("--arch", default="2x64-relu", help="the architecture of --study group")
    ap.add_argument("--budget", type=int, default=300, help="per run, in the config's protocol.unit")
    ap.add_argument("--runs-per-job", type=int, default=25)
    ap.add_argument("--baseline", help="a checkout of other code to time on the same study")
    args = ap.parse_args()
    cfg = study_config(args.config, args.study, args.arch)
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next((line.split(":", 1)[1].strip() for line in cpu.splitlines() if line.startswith("Model name")), platform.processor())
    m = measure(cfg, args.budget, args.runs_per_job)
    rate = matmul_gflops()
    unit = cfg["protocol"]["unit"]
    print(f"{model}; {args.config} ({args.study}): {m['runs']} runs x {args.budget} {unit}; groups of up to {args.runs_per_job}: {m['groups']}")
    print(f"this code:  one process per run {m['alone']:8.1f} s CPU   training groups {m['grouped']:8.1f} s CPU   ratio {m['grouped'] / m['alone']:.3f}"
          f"   grouped {m['grouped'] / m['run_steps'] * 1e6:.1f} us per run-step")
    limit = m["flops"] / rate / 1e9
    print(f"update FLOPs {m['flops'] / 1e12:.2f} TFLOP; 1024x1024 matmul {rate:.1f} GFLOP/s on this core -> {limit:.1f} s at the "
          f"arithmetic limit; the grouped training takes {m['grouped'] / limit:.1f}x that")
    if args.baseline:
        print(f"baseline {args.baseline}:")
        print("  " + baseline(args.baseline, cfg, args.budget, args.runs_per_job).strip().replace("\n", "\n  "))
    print(json.dumps({k: v for k, v in m.items() if k != "groups"}))


if __name__ == "__main__":
    main()
