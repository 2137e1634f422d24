"""results/REPORT.md: the tables, the figures and a plain verdict on each of the paper's claims.

Verdict rules (the same for every "NAS-DQN is better on metric X" claim):
- holds: NAS-DQN is better than every other agent and every Holm-corrected Welch p < 0.05;
- does not hold: some agent is better than NAS-DQN with a 95% bootstrap interval of the
  difference that excludes zero;
- inconclusive at this number of seeds: anything else.
The speed-up claims ("3x faster than fixed, 10x faster than Random-NAS") compare the ratio
of mean episodes-to-threshold, with its bootstrap interval, to the claimed factor.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .figures import FIGURES
from .stats import BOOT_SEED, DIRECTION, bootstrap_ratio_ci, metric_values

ALPHA = 0.05
REF = "nas_dqn"
FIXED = ("fixed_small", "fixed_medium", "fixed_large")


def _fmt(x: float, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:,.{digits}f}"


def better_claim(stats_df: pd.DataFrame, metric: str) -> tuple[str, str]:
    rows = stats_df[stats_df["metric"] == metric]
    if rows.empty:
        return "inconclusive", "no comparison available (NAS-DQN or the other agents missing)"
    d = DIRECTION[metric]
    worse = rows[(rows["difference"] * d < 0) & (
        ((rows["diff_ci95_high"] < 0) & (d > 0)) | ((rows["diff_ci95_low"] > 0) & (d < 0)))]
    parts = [
        f"vs {r.agent}: {_fmt(r.reference_mean, 2)} vs {_fmt(r.agent_mean, 2)} "
        f"(diff {_fmt(r.difference, 2)}, 95% CI [{_fmt(r.diff_ci95_low, 2)}, {_fmt(r.diff_ci95_high, 2)}], "
        f"Holm-Welch p={_fmt(r.welch_p_holm, 3)})"
        for r in rows.itertuples()
    ]
    evidence = "; ".join(parts)
    if len(worse):
        names = list(worse["agent"])
        verb = "is" if len(names) == 1 else "are"
        return "does not hold", f"{', '.join(names)} {verb} better than NAS-DQN beyond noise. " + evidence
    if bool(rows["reference_better"].all()) and bool((rows["welch_p_holm"] < ALPHA).all()):
        return "holds", evidence
    return "inconclusive at this number of seeds", evidence


def speedup_claim(per_run: pd.DataFrame, others: list[str], factor: float) -> tuple[str, str]:
    rng = np.random.default_rng(BOOT_SEED + 2)
    ref = metric_values(per_run, REF, "episodes_to_150")
    other = np.concatenate([metric_values(per_run, a, "episodes_to_150") for a in others]) if others else np.empty(0)
    n_other_runs = int(per_run["agent"].isin(others).sum())
    reached = f"NAS-DQN reached the threshold in {ref.size}/{int((per_run['agent'] == REF).sum())} seeds, " \
              f"{'/'.join(others)} in {other.size}/{n_other_runs} runs"
    if ref.size == 0 or other.size == 0:
        return "inconclusive at this number of seeds", reached + "; no ratio can be formed"
    ratio = float(other.mean() / ref.mean())
    lo, hi = bootstrap_ratio_ci(other, ref, rng)
    text = (f"measured {ratio:.2f}x (mean {other.mean():.0f} vs {ref.mean():.0f} episodes; 95% bootstrap CI "
            f"[{lo:.2f}x, {hi:.2f}x]; claimed {factor:g}x); {reached}")
    if n_other_runs > other.size and ratio < factor:
        text += " (runs that never reached it are left out, which favours the others)"
    if hi < factor:
        return "does not hold", text
    if lo >= 1.0 and lo <= factor <= hi:
        return "holds", text
    return "inconclusive at this number of seeds", text


def overhead_claim(runs: list[dict]) -> tuple[str, str]:
    """The architecture search's own cost: controller, transition and regrouping time over training time."""
    nas = [r for r in runs if r["agent"] == REF and "search_overhead_seconds" in r]
    if not nas:
        return "inconclusive", "no NAS-DQN runs with an overhead measurement"
    share = [r["search_overhead_seconds"] / r["wall_seconds"] * 100 for r in nas]
    text = f"search overhead (controller, model transition, memory pruning) is {np.mean(share):.3f}% of NAS-DQN's wall time (max {max(share):.3f}% over {len(share)} seeds)"
    return ("holds" if max(share) < 2.0 else "does not hold"), text + "; threshold for 'negligible': 2%"


def _table(df: pd.DataFrame, columns: list[str], digits: int = 2) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for rec in df[columns].to_dict("records"):
        cells = []
        for c in columns:
            v = rec[c]
            if isinstance(v, float):
                cells.append(_fmt(v, digits))
            elif v is None or v is pd.NA:
                cells.append("not reached")
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def build_report(per_run_csv: Path, summary_csv: Path, stats_csv: Path, run_jsons: list[Path], figure_dir: str) -> str:
    per_run = pd.read_csv(per_run_csv, dtype={"episodes_to_150": "Int64"})
    summary = pd.read_csv(summary_csv, keep_default_na=False, na_values=[""])
    stats_df = pd.read_csv(stats_csv, keep_default_na=False, na_values=[""])
    runs = [json.loads(Path(p).read_text()) for p in run_jsons]
    agents = list(dict.fromkeys(per_run["agent"]))
    n_seeds = per_run.groupby("agent").size().min()
    fixed = [a for a in FIXED if a in agents]

    claims = [
        ("Final performance: NAS-DQN achieves superior final performance", *better_claim(stats_df, "final_performance")),
        ("Sample efficiency: NAS-DQN reaches the threshold in fewer episodes than every other agent", *better_claim(stats_df, "episodes_to_150")),
        ("Sample efficiency: about 3x faster than the fixed baselines", *speedup_claim(per_run, fixed, 3.0)),
        ("Sample efficiency: about 10x faster than Random-NAS", *speedup_claim(per_run, ["random_nas"] if "random_nas" in agents else [], 10.0)),
        ("Peak performance: NAS-DQN reaches the highest peak", *better_claim(stats_df, "peak")),
        ("Stability: NAS-DQN has the lowest standard deviation over the final episodes", *better_claim(stats_df, "stability")),
        ("Negligible computational overhead of the architecture search", *overhead_claim(runs)),
    ]
    per_run_show = per_run.copy()
    per_run_show["episodes_to_150"] = per_run_show["episodes_to_150"].map(lambda v: "not reached" if pd.isna(v) else str(int(v)))
    lines = [
        "# NAS-DQN reproduction report",
        "",
        f"Generated by `python -m nasdqn report` from {len(per_run)} runs ({len(agents)} agents x {n_seeds} seeds). "
        "Every number below is computed from the files in `results/runs/`; nothing is typed in by hand.",
        "",
        "## The paper's claims",
        "",
        "| claim | verdict | evidence |",
        "|---|---|---|",
    ]
    for claim, verdict, evidence in claims:
        lines.append(f"| {claim} | **{verdict}** | {evidence} |")
    lines += [
        "",
        f"Verdict rules: *holds* needs NAS-DQN better than every other agent with every Holm-corrected Welch p < {ALPHA}; "
        "*does not hold* means another agent is better with a 95% bootstrap interval of the difference excluding zero; "
        f"otherwise *inconclusive*. With {n_seeds} seeds per agent a two-sided Mann-Whitney test cannot reach p < "
        f"{_fmt(float(stats_df['min_attainable_mw_p'].min()) if len(stats_df) else float('nan'), 3)}, "
        "and bootstrap intervals over so few values are rough: read every verdict with that in mind.",
        "",
        "## Per-run metrics (`metrics/per_run.csv`)",
        "",
        _table(per_run_show, list(per_run.columns)),
        "",
        "## Summary across seeds (`metrics/summary.csv`)",
        "",
        _table(summary, list(summary.columns)),
        "",
        "## NAS-DQN against each agent (`metrics/stats.csv`)",
        "",
        _table(stats_df, ["metric", "agent", "reference_mean", "agent_mean", "difference", "diff_ci95_low", "diff_ci95_high",
                          "welch_p_holm", "mannwhitney_p_holm", "min_attainable_mw_p", "hedges_g", "note"], 3),
        "",
        "## Figures",
        "",
    ]
    for stem, caption in FIGURES.items():
        lines += [f"### {caption}", "", f"![{caption}]({figure_dir}/{stem}.png)", ""]
    return "\n".join(lines) + "\n"
