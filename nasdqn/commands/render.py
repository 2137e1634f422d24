"""`render`: one greedy episode of a saved policy as a GIF, drawn by its task."""
from __future__ import annotations

import argparse
from pathlib import Path

from nasdqn.commands.evaluate import policy_and_task

HELP = "draw one greedy episode of a saved policy into a GIF"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy", required=True, help="a policy file written by training")
    p.add_argument("--out", required=True, help="GIF to write")
    p.add_argument("--seed", type=int, help="start from the first evaluation start state of this seed (default: the policy's)")


def run(args: argparse.Namespace) -> int:
    from nasdqn.outputs.render import render_gif

    policy, task, seed = policy_and_task(args)
    ret = render_gif(policy, task, seed, Path(args.out))
    print(f"{args.out}: {policy.arch.name}, one greedy episode from the first evaluation start of seed {seed}, return {ret:.2f}")
    return 0
