"""`evaluate`: the greedy return of a saved policy on its task's evaluation start states."""
from __future__ import annotations

import argparse

from nasdqn.commands.common import positive
from nasdqn.settings.errors import UsageError

HELP = "greedy return of a saved policy (policy.pt)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy", required=True, help="a policy file written by training (results/runs/.../policy.pt)")
    p.add_argument("--episodes", type=int, default=10, help="greedy episodes (default 10, as protocol.eval_episodes)")
    p.add_argument("--seed", type=int, help="evaluation stream of this seed (default: the policy's own seed)")


def policy_and_task(args: argparse.Namespace):
    """A saved policy, the task it was trained on (recorded in its meta) and the seed to use."""
    from nasdqn.jobs.policy import load_policy
    from nasdqn.tasks import TaskSettings, make_task

    policy = load_policy(args.policy)
    try:
        task = make_task(TaskSettings.from_policy_meta(policy.meta))
    except (TypeError, ValueError) as exc:
        raise UsageError(f"policy file {args.policy}: its task record is unusable ({exc})") from None
    seed = args.seed if args.seed is not None else int(policy.meta.get("seed", 0))
    if seed < 0:
        raise UsageError(f"--seed: expected a non-negative integer, got {seed}")
    return policy, task, seed


def run(args: argparse.Namespace) -> int:
    from nasdqn.tasks.evaluation import eval_generator

    positive(args.episodes, "--episodes")
    policy, task, seed = policy_and_task(args)
    returns = task.greedy_returns(policy.q_values, eval_generator(seed), args.episodes)
    print(f"{args.policy}: {policy.arch.name}, greedy return over {args.episodes} episodes (evaluation stream of seed {seed}): "
          f"mean {float(returns.mean())!r} min {float(returns.min())!r} max {float(returns.max())!r}")
    return 0
