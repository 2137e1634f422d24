"""The sections of REPORT.md after the claims: which agents learned, the decision rule in words,
the oracle, every comparison with success at the ceiling and the robust aggregates, the searches,
greedy evaluation and the summary table. Each reads the tables aggregation wrote."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from nasdqn.analysis import stats
from nasdqn.analysis.tables import Analysis


def fmt(x, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, float):
        return f"{x:.{digits}g}" if abs(x) < 1e5 else f"{x:,.0f}"
    return str(x)


def table(df: pd.DataFrame, columns: list[str], digits: int = 3) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for rec in df[columns].to_dict("records"):
        lines.append("| " + " | ".join(fmt(rec[c], digits).replace("|", "/") for c in columns) + " |")
    return "\n".join(lines)


def _read(metrics_dir: Path, name: str) -> pd.DataFrame | None:
    path = metrics_dir / name
    return pd.read_csv(path, keep_default_na=False, na_values=[""]) if path.is_file() else None


def floor_section(metrics_dir: Path, a: Analysis) -> list[str]:
    """Which agents did not beat a uniform-random policy, per seed (floor_check.csv)."""
    df = _read(metrics_dir, "floor_check.csv")
    if df is None or df.empty:
        return []
    lines = ["## Did every agent learn? The sanity floor", "",
             "Each run's final greedy evaluation against the uniform-random policy on the same seed's evaluation episodes "
             "(the same start states; `metrics/floor.csv`). The verdict uses the greedy comparison; the final training "
             "performance (epsilon-greedy, on training episodes) is shown beside it and decides only where greedy "
             "evaluation is off.", ""]
    failed = df[~df["learned"].astype(str).str.lower().eq("true")]
    if failed.empty:
        lines += ["Every run of every agent beats the uniform-random policy of its seed.", ""]
    else:
        for agent, g in failed.groupby("agent", sort=False):
            total = int((df["agent"] == agent).sum())
            lines.append(f"- **{a.label(agent)} did not learn** in {len(g)} of {total} seeds (seed{'s' if len(g) > 1 else ''} "
                         f"{', '.join(map(str, g['seed']))}): final greedy return {', '.join(fmt(v, 4) for v in g['greedy_final'])} "
                         f"against uniform random {', '.join(fmt(v, 4) for v in g['uniform_random'])}.")
        lines.append("")
    return lines


def decision_rule(a: Analysis, n_seeds: int) -> list[str]:
    """The rule in words a reader can check, with the margins and what n_seeds can show."""
    d = a.decision
    return [
        "## How the verdicts are decided",
        "",
        "- **One interval, against zero and the margin.** Every comparison's effect (oriented so that the claimed direction "
        "is positive) has one interval at its claim's level and a simultaneous one, split over the claim's comparisons: a claim "
        "that needs every comparison is supported when each interval at its level is (the intersection-union test) and "
        "contradicted when one simultaneous interval is; a claim that one comparison suffices for, the mirror image. *Supported*: "
        "the interval lies on the claimed side of zero (beyond the margin for \"substantially\", \"much\", \"pronounced\"; "
        "inside the band for \"about F x\", \"comparable\", \"slightly\"; above minus the margin for \"negligible\" and "
        "\"within the margin\"). *Contradicted*: it rules out an advantage as large as the margin (this includes "
        "\"equivalent\") or lies outside the band; contradiction is checked first, so a significant advantage smaller than "
        "the margin contradicts \"better\" (its reading says so). Otherwise *inconclusive*; *not decidable at N seeds* where "
        "no outcome of the test could reach a verdict with that many runs (the reason is given).",
        f"- **Margins, fixed in advance, the same for every claim and variant**: returns {d.margin_text('return')}; ratios "
        f"(speed, wall time, spread) {d.margin_text('ratio')}; shares {d.margin_text('share')}; visit entropy "
        f"{d.margin_text('bits')}; \"about F x\" is [F/{d.factor_tolerance:g}, F x {d.factor_tolerance:g}] (docs/statistics.md).",
        f"- **Families**: the abstract's claims are one family, Holm-corrected across claims at alpha = {d.alpha:g}, each "
        "distinct comparison once (a claim that reuses the family's comparisons leaves it: its note says so); the oracle's "
        "three questions another; every other claim is exploratory, at alpha on its own.",
        "- **Tests**: Welch's t for means (the exact permutation p beside it); the Hodges-Lehmann shift with the Mann-Whitney "
        "permutation test for medians; a permutation log-rank test inverted into a speed-up factor for the time to "
        f"threshold (in {a.unit}; a run that never reaches the threshold is censored, never dropped); a permutation test of "
        "the variance ratio (runs aligned on their agent's median) for spread; Welch on log wall time; exact binomial for "
        "shares of runs; against the oracle's median and best architecture one joint confidence set (the reference's "
        "studentized bootstrap and the architectures' simultaneous t intervals), so that the two verdicts cannot contradict.",
        f"- **What {n_seeds} seeds can show**: with {n_seeds} vs {n_seeds} runs no one-sided permutation p can fall below "
        f"{fmt(stats.min_permutation_p(n_seeds, n_seeds, 'greater'))}. The seeds it would take are computed for the stated "
        "effect with Welch's power (unequal variances), Schoenfeld's formula for the log-rank, at the claim's level; "
        "`tests/test_claims.py` checks the rule by simulation (docs/statistics.md).",
        "",
    ]


def oracle_section(metrics_dir: Path, a: Analysis, figure_dir: str) -> list[str]:
    oracle, ranking = _read(metrics_dir, "oracle.csv"), _read(metrics_dir, "oracle_ranking.csv")
    if oracle is None or oracle.empty or ranking is None:
        return []
    q = {r["quantity"]: r for r in oracle.to_dict("records")}
    share = q["variance_share"]
    lines = ["## The oracle: what architecture does on this task", "",
             f"The share of the variance of final performance that the architecture explains (omega-squared over the "
             f"{len(ranking)} architectures): **{fmt(share['value'])} [{fmt(share['ci_low'])}, {fmt(share['ci_high'])}]**."]
    if "near zero" in str(share["detail"]):
        lines.append("**Near zero: on this task the architecture hardly matters, so architecture search cannot help** "
                     "beyond what seed-to-seed variation allows.")
    for key, text in (("median_architecture", "The median architecture"), ("best_architecture", "The best architecture")):
        if key in q:
            r = q[key]
            interval = f" [{fmt(r['ci_low'])}, {fmt(r['ci_high'])}]" if not pd.isna(r["ci_low"]) else ""
            lines.append(f"- {text}: {fmt(r['value'], 4)}{interval}; {r['detail']}.")
    if "top5" in q:
        lines.append(f"- The top 5: {q['top5']['detail']}.")
    lines += ["", table(ranking, ["rank", "label", "n_runs", "mean", "ci_low", "ci_high", "rank_low", "rank_high", "top5"], 4), "",
              f"![The oracle's ranking]({figure_dir}/oracle_ranking.png)", ""]
    return lines


def evidence_section(metrics_dir: Path, a: Analysis) -> list[str]:
    """Every comparison behind the claims, success at the ceiling, then rliable's robust aggregates."""
    comparisons, robust, ceiling = (_read(metrics_dir, n) for n in ("comparisons.csv", "robust.csv", "ceiling.csv"))
    comparisons = comparisons.assign(better=comparisons["better"].map(a.label),
                                     than=comparisons["than"].fillna("").map(lambda x: a.label(x) if x else "(one sample)"))
    robust = robust.assign(agent=robust["agent"].map(a.label), than=robust["than"].fillna("").map(lambda x: a.label(x) if x else ""))
    lines = ["## Every comparison behind the claims (`metrics/comparisons.csv`)", "",
             "Values are means (restricted means for the time to threshold, medians for the median shift, standard deviations "
             "for spread, geometric means for wall time). `says`: what this comparison's interval says at its claim's level.", "",
             table(comparisons, ["claim", "better", "than", "test", "value_better", "value_than", "estimate", "ci_low", "ci_high",
                                 "confidence", "reading", "says", "permutation_p", "seeds_needed"]), ""]
    if ceiling is not None and not ceiling.empty:
        lines += ["## Success at the ceiling (`metrics/ceiling.csv`)", "",
                  f"Final performance is bounded and zero-inflated (runs at the ceiling and failures): a run succeeds when it ends "
                  f"within the return margin of the best final performance of the study ({fmt(float(ceiling['ceiling'].iloc[0]), 4)}); "
                  "the success rate with its exact (Clopper-Pearson) interval, and the mean final performance of the successful "
                  "runs.", "",
                  table(ceiling, ["label", "n_runs", "successes", "success_rate", "success_ci_low", "success_ci_high",
                                  "mean_given_success", "given_success_ci_low", "given_success_ci_high"], 4), ""]
    lines += ["## Robust aggregates (`metrics/robust.csv`)", "",
              "Interquartile mean of final performance and the probability that a run of the reference agent beats a run of "
              "another agent (Agarwal et al., 2021), with stratified-bootstrap 95% intervals. With fewer than 4 runs the IQM "
              "trims nothing (it is the mean) and these intervals are rough.", "",
              table(robust, ["kind", "agent", "than", "value", "ci95_low", "ci95_high"]), ""]
    return lines


def search_section(per_run: pd.DataFrame, a: Analysis, searchers: list[str], figure_dir: str) -> list[str]:
    """What each architecture search did, and what its last switch cost."""
    if not searchers:
        return []
    lines = ["## What the architecture searches did", "",
             "Per agent that changes its architecture: transitions per run, the share of architecture updates that kept the "
             "architecture, episodes since the last transition at the end, and final performance split by whether the last "
             "update switched (a switch restarts learning on fresh weights; docs/assumptions.md).", "",
             "| agent | transitions per run | kept at an update | episodes since last transition | final perf., last update kept "
             "| final perf., last update switched |", "|---|---|---|---|---|---|"]
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
    lines = ["## Greedy evaluation (not one of the paper's metrics)", "",
             "Every claim above is tested on the paper's own metrics, computed from the epsilon-greedy *training* episodes. "
             "Here the network of each run is also evaluated greedily (epsilon 0, no learning) on start states of its own "
             "evaluation stream, the same for every agent of a seed (`evaluations.csv` per run).", "",
             "| agent | final performance (training) | final greedy return | runs whose greedy mean exceeded the threshold |",
             "|---|---|---|---|"]
    for agent in a.agents:
        r = per_run[per_run["agent"] == agent]
        if not r.empty:
            lines.append(f"| {a.label(agent)} | {r['final_performance'].mean():.1f} | {r['greedy_final'].mean():.1f} | "
                         f"{int(r['greedy_threshold_reached'].sum())}/{len(r)} |")
    shown = [x for x in a.agents if x in set(per_run["agent"]) and x not in a.oracle]
    lines += ["", "The final policy of each agent's first seed, greedily, from the first evaluation start state:", ""]
    return lines + [f"![{a.label(agent)}]({gif_dir}/{agent}.gif)" for agent in shown] + [""]


def summary_section(metrics_dir: Path) -> list[str]:
    summary = pd.read_csv(metrics_dir / "summary.csv")
    return ["## Summary across seeds (`metrics/summary.csv`)", "",
            table(summary.drop(columns=["agent"]), [c for c in summary.columns if c != "agent"], 4), ""]


def run_jsons(metrics_dir: Path) -> list[Path]:
    """The run.json of every run of the study (metrics/runs.csv lists their directories)."""
    runs = _read(metrics_dir, "runs.csv")
    return [] if runs is None else [Path(d) / "run.json" for d in runs["directory"]]
