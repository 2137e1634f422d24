"""results/REPORT.md: one row per claim of the paper with its verdict, then every comparison,
the robust aggregates, the per-run tables and the figures. Everything is read from the
tables aggregation wrote; nothing is typed in by hand."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from nasdqn.analysis import stats
from nasdqn.analysis.metrics import read_per_run
from nasdqn.analysis.tables import Analysis
from nasdqn.outputs.figures import FIGURES, captions

VERDICT_WORDS = {
    "supported": "**supported**",
    "contradicted": "**contradicted**",
    "not tested": "not tested",
}


def _fmt(x, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, float):
        return f"{x:.{digits}g}" if abs(x) < 1e5 else f"{x:,.0f}"
    return str(x)


def _table(df: pd.DataFrame, columns: list[str], digits: int = 3) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for rec in df[columns].to_dict("records"):
        lines.append("| " + " | ".join(_fmt(rec[c], digits).replace("|", "/") for c in columns) + " |")
    return "\n".join(lines)


def decision_rule(a: Analysis, n_seeds: int) -> list[str]:
    """The rule in words a reader can check, and what n_seeds per agent can show."""
    d = a.decision
    detectable = stats.detectable_effect(n_seeds, d.alpha, d.power)
    return [
        "## How the verdicts are decided",
        "",
        f"- **Comparison claims** (\"A is better than B\"): one two-sided test per pair of agents at alpha = {d.alpha:g}, "
        "Holm-corrected over the pairs of the claim. *Supported*: every pair significant in the claimed direction. "
        "*Contradicted*: any pair significant in the opposite direction. Otherwise *inconclusive at "
        f"{n_seeds} seeds*. Tests: Welch's t for means (the exact permutation p is shown beside it); a permutation "
        "log-rank test for the time to threshold, where a run that never reaches the threshold is censored at the "
        "episode budget, never dropped; a permutation test of the variance ratio (runs aligned on their agent's "
        "median) for \"varies least\".",
        f"- **Interval claims** (\"about 3x faster\", \"comparable\", \"negligible\"): the {100 * (1 - d.alpha):g}% interval "
        "of the effect (split Bonferroni-wise over the pairs of the claim) against the band the paper's words allow: "
        f"\"about F x\" is [F/{d.factor_tolerance:g}, F x {d.factor_tolerance:g}], \"comparable\" a ratio in "
        f"[1/{d.comparable_tolerance:g}, {d.comparable_tolerance:g}], \"negligible\" below {100 * d.negligible_share:g}% "
        "of wall time. *Supported*: every interval inside the band. *Contradicted*: any interval entirely outside it. "
        "\"N x faster\" is an accelerated-failure-time factor whose interval inverts the log-rank test (censoring counts).",
        "- Both directions use the same test at the same level; `tests/test_claims.py` checks by simulation that identical "
        "agents get a wrong verdict in at most 5% of studies (plus Monte Carlo error) at 3 and 10 seeds.",
        f"- **What {n_seeds} seeds can show**: with {n_seeds} vs {n_seeds} runs no permutation p can fall below "
        f"{_fmt(stats.min_permutation_p(n_seeds, n_seeds))}, and Welch's test detects with {100 * d.power:g}% power only "
        f"differences of about {_fmt(detectable, 2)} pooled standard deviations. \"Seeds it would take\" is the number of "
        "seeds per agent at which the observed effects would decide the claim with that power (docs/statistics.md).",
        "",
    ]


def claims_section(claims: pd.DataFrame) -> list[str]:
    lines = [
        "## The paper's claims",
        "",
        "| claim | the paper's words | measured | test | Holm p | effect [interval] | verdict | seeds it would take |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in claims.fillna("").to_dict("records"):
        verdict = VERDICT_WORDS.get(r["verdict"], f"inconclusive at {r['n_seeds']} seeds")
        note = f" ({r['note']})" if r["note"] else ""
        cells = [f"`{r['claim']}`", f"\"{r['words']}\" ({r['where']})", r["measured"], r["test"], r["p_holm"],
                 r["effect"] + note, verdict, r["seeds_needed"]]
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    return lines + [""]


def search_section(per_run: pd.DataFrame, a: Analysis, searchers: list[str], figure_dir: str) -> list[str]:
    """What each architecture search did, and what its last switch cost."""
    if not searchers:
        return []
    lines = [
        "## What the architecture searches did",
        "",
        "Per agent that changes its architecture: transitions per run, the share of architecture updates that kept the "
        "architecture, episodes since the last transition at the end, and final performance split by whether the last "
        "update switched (a switch restarts learning on fresh weights; docs/assumptions.md).",
        "",
        "| agent | transitions per run | kept at an update | episodes since last transition | final perf., last update kept "
        "| final perf., last update switched |",
        "|---|---|---|---|---|---|",
    ]
    for agent in searchers:
        r = per_run[per_run["agent"] == agent]
        split = [r.loc[r["last_update_switched"] == flag, "final_performance"] for flag in (False, True)]
        cells = [f"{v.mean():.1f} (n={len(v)})" if len(v) else "none" for v in split]
        lines.append(f"| {a.label(agent)} | {r['transitions'].mean():.2f} | {r['keep_fraction'].mean():.2f} | "
                     f"{r['episodes_since_transition'].mean():.0f} | {cells[0]} | {cells[1]} |")
    lines.append("")
    for agent in searchers:
        lines += [f"![{a.label(agent)}: the search, seed by seed]({figure_dir}/search_{agent}.png)", ""]
    return lines


def greedy_section(per_run: pd.DataFrame, a: Analysis, gif_dir: str) -> list[str]:
    """Greedy evaluation beside the paper's training-return metrics (which the claims use)."""
    if per_run["greedy_final"].isna().all():
        return []
    lines = [
        "## Greedy evaluation (not one of the paper's metrics)",
        "",
        "Every claim above is tested on the paper's own metrics, computed from the epsilon-greedy *training* episodes. "
        "Here the network of each run is also evaluated greedily (epsilon 0, no learning) on start states of its own "
        "evaluation stream, the same for every agent of a seed (`evaluations.csv` per run). Final: the last evaluation's "
        "mean return; time: the first evaluation whose mean exceeds the threshold (censored at the budget).",
        "",
        "| agent | final performance (training) | final greedy return | runs whose greedy mean exceeded the threshold "
        "| restricted mean episodes to it (greedy) |",
        "|---|---|---|---|---|",
    ]
    for agent in a.agents:
        r = per_run[per_run["agent"] == agent]
        if r.empty:
            continue
        budget_times = r["greedy_episodes_to_threshold"].to_numpy(float)
        lines.append(f"| {a.label(agent)} | {r['final_performance'].mean():.1f} | {r['greedy_final'].mean():.1f} | "
                     f"{int(r['greedy_threshold_reached'].sum())}/{len(r)} | {budget_times.mean():.0f} |")
    lines += ["", "The final policy of each agent's first seed, greedily, from the first evaluation start state:", ""]
    lines += [f"![{a.label(agent)}]({gif_dir}/{agent}.gif)" for agent in a.agents if agent in set(per_run["agent"])]
    return lines + [""]


def build_report(metrics_dir: Path, a: Analysis, figure_dir: str, budget: str, threshold: float,
                 searchers: list[str] | None = None, gif_dir: str = "gifs") -> str:
    per_run = read_per_run(metrics_dir / "per_run.csv")
    summary = pd.read_csv(metrics_dir / "summary.csv")
    claims = pd.read_csv(metrics_dir / "claims.csv", keep_default_na=False, dtype=str)
    comparisons = pd.read_csv(metrics_dir / "comparisons.csv")
    robust = pd.read_csv(metrics_dir / "robust.csv", keep_default_na=False, na_values=[""])
    n_seeds = int(per_run.groupby("agent").size().min())
    claims["n_seeds"] = n_seeds
    comparisons["better"] = comparisons["better"].map(a.label)
    comparisons["than"] = comparisons["than"].map(a.label)
    comparisons["seeds_needed"] = comparisons["seeds_needed"].map(lambda n: f">{a.decision.max_seeds}" if n < 0 else str(n))
    robust["agent"] = robust["agent"].map(a.label)
    robust["than"] = robust["than"].fillna("").map(lambda x: a.label(x) if x else "")
    counts = claims["verdict"].value_counts()
    lines = [
        "# NAS-DQN reproduction report",
        "",
        f"Generated by `python -m nasdqn report` from {len(per_run)} runs ({per_run['agent'].nunique()} agents x {n_seeds} "
        f"seeds, {budget} each, threshold {threshold:g}). Every number is computed from `results/runs/`. "
        f"Verdicts: {', '.join(f'{v} {counts[v]}' for v in counts.index)}.",
        "",
        *claims_section(claims),
        *decision_rule(a, n_seeds),
        *evidence_section(comparisons, robust),
        *search_section(per_run, a, searchers or [], figure_dir),
        *greedy_section(per_run, a, gif_dir),
        "## Per-run metrics (`metrics/per_run.csv`)",
        "",
        "`episodes_to_threshold` of a run with `threshold_reached` false is the episode budget: the run is censored there.",
        "",
        _table(per_run.assign(agent=per_run["agent"].map(a.label)), list(per_run.columns), 4),
        "",
        "## Summary across seeds (`metrics/summary.csv`)",
        "",
        _table(summary.drop(columns=["agent"]), [c for c in summary.columns if c != "agent"], 4),
        "",
        *figures_section(a, threshold, figure_dir),
    ]
    return "\n".join(lines) + "\n"


def evidence_section(comparisons: pd.DataFrame, robust: pd.DataFrame) -> list[str]:
    """Every pairwise comparison behind the claims, then rliable's robust aggregates."""
    return [
        "## Every comparison behind the claims (`metrics/comparisons.csv`)",
        "",
        "Values are means (restricted means in episodes for the time to threshold, standard deviations across seeds "
        "for spread). Estimates: a difference of means (Welch), how many times faster (log-rank), a ratio of "
        "standard deviations (spread, bootstrap interval), a ratio of geometric means (cost), a share (overhead).",
        "",
        _table(comparisons, ["claim", "better", "than", "test", "value_better", "value_than", "estimate", "ci_low", "ci_high",
                             "p", "p_holm", "permutation_p", "supports_claim", "seeds_needed"]),
        "",
        "## Robust aggregates (`metrics/robust.csv`)",
        "",
        "Interquartile mean of final performance and the probability that a run of the reference agent beats a run of "
        "another agent (Agarwal et al., 2021), with stratified-bootstrap 95% intervals. With few runs per agent these "
        "intervals are rough.",
        "",
        _table(robust, ["kind", "agent", "than", "value", "ci95_low", "ci95_high"]),
        "",
    ]


def figures_section(a: Analysis, threshold: float, figure_dir: str) -> list[str]:
    """Every figure with its caption (the same captions as the HTML report)."""
    caps = captions(a, threshold)
    lines = ["## Figures", ""]
    for stem in FIGURES:
        lines += [f"### {caps[stem]}", "", f"![{caps[stem]}]({figure_dir}/{stem}.png)", ""]
    return lines

