"""`headroom`: the fair test's screening criterion (docs/assumptions.md, "Fair test"): per candidate
task, the exploitable gain of the best architecture over the median one, on held-out seeds."""
from __future__ import annotations

import argparse
from pathlib import Path

from nasdqn.settings.errors import UsageError

HELP = "the fair test's screening table: the exploitable gain of the best fixed architecture over the median, per task"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--screen", action="append", required=True, metavar="TASK=CONFIG",
                   help="a candidate's screening config (its aggregated tables are read from its results root); repeat")
    p.add_argument("--results", default="results", help="the results folder of the workflow (default: results)")
    p.add_argument("--out", required=True, help="the CSV to write (e.g. studies/fairtest/headroom.csv)")


def pairs(values: list[str], flag: str) -> list[tuple[str, str]]:
    out = []
    for v in values:
        task, sep, path = v.partition("=")
        if not sep or not task or not path:
            raise UsageError(f"{flag}: expected TASK=CONFIG, got {v!r}")
        out.append((task, path))
    return out


def run(args: argparse.Namespace) -> int:
    from nasdqn.analysis.headroom import exploitable_gain
    from nasdqn.analysis.readers import read_table
    from nasdqn.jobs.results import atomic_write_text, csv_text
    from nasdqn.settings.config import load, oracle_agents
    from nasdqn.settings.plan import study_root

    rows = []
    for task, config in pairs(args.screen, "--screen"):
        cfg = load(config)
        root = Path(args.results) / Path(study_root(cfg)).relative_to("results")
        per_run = read_table(root / "metrics" / "per_run.csv", ["agent", "seed", "greedy_final"])
        low, high = cfg["analysis"]["return_range"]
        margin = cfg["analysis"]["return_margin"] * (high - low)
        h = exploitable_gain(task, per_run, list(oracle_agents()), margin)
        rows.append(h.row())
        print(f"{task}: best {h.best} (seeds 0-1 {h.best_selection:.1f}); held out {h.best_held_out:.1f} vs median "
              f"{h.median_held_out:.1f}: gain {h.gain:.1f}, needs {h.factor * h.margin:.1f}: {'headroom' if h.passes else 'no headroom'}")
    columns = ["task", "outcome", "best", "best_selection", "best_held_out", "median_held_out", "gain", "margin", "factor", "threshold",
               "passes"]
    atomic_write_text(args.out, csv_text(columns, rows))
    return 0
