"""The cross-task answer (issue 18): on which task, under which reading, does online architecture
search beat fixed designs (the median one and the best in hindsight), and does directed search
beat matched random search?

From each task's study tables (a study with variants: one reading per variant, e.g. transition x
exploration; the oracle's agents shared by every reading) it writes small CSVs and one figure,
deterministically: per_run.csv (every run; the oracle's once per task), summary.csv (per task x
reading x agent: final performance with its t interval, plus the oracle's median and best
architecture), oracle_ranking.csv, variance_share.csv, claims.csv (every claim and question with
its verdict), pooled.csv (the answer over all readings with the seed as the unit: every agent's
mean over the readings per seed, then one comparison of those per-seed means; the readings share
seeds and runs, so their comparisons are never counted as independent evidence), and answer.png /
answer.pdf.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from nasdqn.analysis import pooling, stats
from nasdqn.analysis.margins import DecisionSettings
from nasdqn.analysis.readers import read_table
from nasdqn.settings.errors import ResultsError

SEARCH_ROLES = ("reference", "random_search", "matched_random")  # the agents the answer compares, in this order
ROLE_TEXT = {"reference": "NAS-DQN", "random_search": "Random-NAS (uniform)", "matched_random": "matched random"}
SUMMARY_COLUMNS = ["task", "reading", "agent", "label", "role", "n_runs", "mean", "ci_low", "ci_high", "median", "iqm"]
SHARE_COLUMNS = ["task", "estimate", "ci_low", "ci_high", "detail"]
CLAIM_COLUMNS = ["task", "reading", "claim", "family", "verdict", "effect", "reading_of_interval", "seeds_needed"]
POOLED_COLUMNS = ["task", "comparison", "better", "than", "readings", "n_better", "n_than", "mean_better", "mean_than", "estimate",
                  "ci_low", "ci_high", "confidence", "p", "test"]
NEEDED = ("per_run.csv", "claims.csv", "agents.csv", "oracle.csv", "oracle_ranking.csv")
REQUIRED = {"per_run.csv": ("agent", "seed", "final_performance"), "agents.csv": ("agent", "label", "roles", "oracle"),
            "claims.csv": ("claim", "family", "verdict")}


@dataclass
class Reading:
    """One reading (variant) of one task's study: its tables."""

    task: str
    name: str
    tables: dict[str, pd.DataFrame]


def read_study(task: str, root: Path) -> list[Reading]:
    """A task's readings: every root/variants/V/metrics (a study with variants), else root/metrics."""
    variants = sorted(p for p in (root / "variants").glob("*") if (p / "metrics").is_dir()) if (root / "variants").is_dir() else []
    folders = [(v.name, v / "metrics") for v in variants] or [("default", root / "metrics")]
    readings = []
    for name, metrics in folders:
        tables = {f: read_table(metrics / f, REQUIRED.get(f, ()), "missing (run the study's aggregation first)",
                                keep_default_na=False, na_values=[""]) for f in NEEDED}
        readings.append(Reading(task, name, tables))
    return readings


def role_agents(r: Reading) -> dict[str, str]:
    """role -> agent, for the roles the answer compares."""
    out = {}
    for rec in r.tables["agents.csv"].to_dict("records"):
        for role in str(rec["roles"]).split():
            if role in SEARCH_ROLES:
                out[role] = rec["agent"]
    return out


def oracle_agents(r: Reading) -> list[str]:
    a = r.tables["agents.csv"]
    return list(a.loc[a["oracle"].astype(str).str.lower() == "true", "agent"])


def per_run_table(readings: list[Reading]) -> pd.DataFrame:
    """Every run of every reading; the oracle's runs (shared by the readings) once per task."""
    frames, seen = [], set()
    for r in readings:
        pr, oracle = r.tables["per_run.csv"], set(oracle_agents(r))
        frames.append(pr[~pr["agent"].isin(oracle)].assign(task=r.task, reading=r.name))
        if r.task not in seen and oracle:
            frames.append(pr[pr["agent"].isin(oracle)].assign(task=r.task, reading="all"))
            seen.add(r.task)
    out = pd.concat(frames, ignore_index=True)
    return out[["task", "reading", *[c for c in out.columns if c not in ("task", "reading")]]]


def check_shared_oracle(readings: list[Reading]) -> None:
    """The oracle's runs must be the same runs in every reading of a task (they share one identity)."""
    first: dict[str, pd.DataFrame] = {}
    for r in readings:
        pr = r.tables["per_run.csv"]
        mine = pr[pr["agent"].isin(oracle_agents(r))][["agent", "seed", "final_performance"]].reset_index(drop=True)
        if r.task in first and not mine.equals(first[r.task]):
            raise ResultsError(f"task {r.task}: the oracle's runs differ between readings (reading {r.name}); they should be shared")
        first.setdefault(r.task, mine)


def _summary_row(r: Reading, agent: str, label: str, role: str, x: np.ndarray, alpha: float = 0.05) -> dict:
    mean, low, high = stats.mean_interval(x, alpha) if x.size > 1 else (x[:1], [np.nan], [np.nan])
    return {"task": r.task, "reading": r.name, "agent": agent, "label": label, "role": role, "n_runs": int(x.size),
            "mean": float(np.mean(x)) if x.size else np.nan, "ci_low": float(low[0]), "ci_high": float(high[0]),
            "median": float(np.median(x)) if x.size else np.nan, "iqm": float(stats.iqm(x)) if x.size else np.nan}


def short_label(key: str, detail: str) -> str:
    """The architecture an oracle row names: 'nearest: A' for the median, the text before ':' for the best."""
    if key == "median_architecture" and "nearest:" in detail:
        return detail.split("nearest:", 1)[1].split(")", 1)[0].strip()
    return detail.split(":", 1)[0]


def summary_table(readings: list[Reading]) -> pd.DataFrame:
    """Per task x reading: the agents that search (by role) and the fixed baselines, then the
    oracle's median and best-in-hindsight architecture (their own intervals, from oracle.csv)."""
    rows = []
    for r in readings:
        pr, agents = r.tables["per_run.csv"], r.tables["agents.csv"]
        roles, oracle = role_agents(r), set(oracle_agents(r))
        labels = dict(zip(agents["agent"], agents["label"]))
        ordered = [(roles[k], k) for k in SEARCH_ROLES if k in roles]
        ordered += [(a, "fixed") for a in agents["agent"] if a not in oracle and a not in roles.values()]
        for agent, role in ordered:
            rows.append(_summary_row(r, agent, labels.get(agent, agent), role, pr.loc[pr["agent"] == agent, "final_performance"].to_numpy(float)))
        q = {rec["quantity"]: rec for rec in r.tables["oracle.csv"].to_dict("records")}
        for key in ("median_architecture", "best_architecture"):
            if key in q:
                rows.append({"task": r.task, "reading": r.name, "agent": key, "label": short_label(key, str(q[key]["detail"])),
                             "role": key, "n_runs": np.nan, "mean": float(q[key]["value"]), "ci_low": float(q[key]["ci_low"]),
                             "ci_high": float(q[key]["ci_high"]), "median": np.nan, "iqm": np.nan})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def oracle_tables(readings: list[Reading]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The oracle's ranking and variance share, once per task (from its first reading)."""
    ranking, shares, done = [], [], set()
    for r in readings:
        if r.task in done or r.tables["oracle_ranking.csv"].empty:
            continue
        done.add(r.task)
        ranking.append(r.tables["oracle_ranking.csv"].assign(task=r.task))
        q = r.tables["oracle.csv"]
        share = q[q["quantity"] == "variance_share"].iloc[0]
        shares.append({"task": r.task, "estimate": float(share["value"]), "ci_low": float(share["ci_low"]),
                       "ci_high": float(share["ci_high"]), "detail": share["detail"]})
    rank = pd.concat(ranking, ignore_index=True) if ranking else pd.DataFrame(columns=["task"])
    rank = rank[["task", *[c for c in rank.columns if c != "task"]]]
    return rank, pd.DataFrame(shares, columns=SHARE_COLUMNS)


def claims_table(readings: list[Reading]) -> pd.DataFrame:
    rows = []
    for r in readings:
        for rec in r.tables["claims.csv"].fillna("").to_dict("records"):
            rows.append({"task": r.task, "reading": r.name, "claim": rec["claim"], "family": rec["family"], "verdict": rec["verdict"],
                         "effect": rec.get("effect", ""), "reading_of_interval": rec.get("reading", ""),
                         "seeds_needed": rec.get("seeds_needed", "")})
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def _pooled_rows(task: str, readings: list[Reading], d: DecisionSettings) -> list[dict]:
    roles = role_agents(readings[0])
    runs = pd.concat([r.tables["per_run.csv"].assign(reading=r.name) for r in readings], ignore_index=True)
    ref = roles.get("reference")
    if ref is None:
        return []
    x = pooling.per_seed_means(runs, ref).to_numpy(float)
    pr, oracle = readings[0].tables["per_run.csv"], oracle_agents(readings[0])
    found = []
    for role in ("random_search", "matched_random"):
        if role in roles:
            found.append((ROLE_TEXT[role], roles[role], pooling.welch(x, pooling.per_seed_means(runs, roles[role]).to_numpy(float), d.alpha)))
    if oracle:
        arch = np.stack([pr.loc[pr["agent"] == a].sort_values("seed")["final_performance"].to_numpy(float) for a in oracle])
        for key, functional in (("median_architecture", "median"), ("best_architecture", "max")):
            found.append((key.replace("_", " "), key, pooling.against_architectures(x, arch, functional, d.alpha, d.bootstrap_samples,
                                                                                     d.bootstrap_seed)))
    return [{"task": task, "comparison": f"NAS-DQN vs {text}", "better": ref, "than": than, "readings": len(readings), "n_better": c.n_a,
             "n_than": c.n_b, "mean_better": c.mean_a, "mean_than": c.mean_b, "estimate": c.estimate, "ci_low": c.ci_low,
             "ci_high": c.ci_high, "confidence": 1 - d.alpha, "p": c.p, "test": c.test} for text, than, c in found]


def pooled_table(readings: list[Reading], d: DecisionSettings = DecisionSettings()) -> pd.DataFrame:
    """Per task, over all its readings with the seed as the unit: NAS-DQN's per-seed mean (over the
    readings) against both random controls' (Welch) and against the oracle's median and best
    architecture (the joint set), at 95% (the analysis defaults: this command reads tables only)."""
    rows = []
    for task in dict.fromkeys(r.task for r in readings):
        rows += _pooled_rows(task, [r for r in readings if r.task == task], d)
    return pd.DataFrame(rows, columns=POOLED_COLUMNS)


MARKERS = {"reference": ("o", "#C44E52"), "random_search": ("s", "#4C72B0"), "matched_random": ("D", "#8172B2")}


def answer_figure(summary: pd.DataFrame, out_stem: str | Path) -> None:
    """Per task (a panel each) and reading (x): NAS-DQN and both random controls with their 95%
    intervals; the median and the best fixed architecture in hindsight as bands across the panel."""
    import matplotlib.pyplot as plt

    from nasdqn.outputs.drawing import save

    tasks = list(dict.fromkeys(summary["task"]))
    fig, axes = plt.subplots(len(tasks), 1, figsize=(8.5, 3.0 * len(tasks) + 0.6), squeeze=False)
    for ax, task in zip(axes[:, 0], tasks):
        s = summary[summary["task"] == task]
        readings = list(dict.fromkeys(s["reading"]))
        for k, role in enumerate(SEARCH_ROLES):
            rows = s[s["role"] == role].set_index("reading").reindex(readings)
            x = np.arange(len(readings)) + (k - 1) * 0.2
            marker, colour = MARKERS[role]
            err = [np.nan_to_num(rows["mean"] - rows["ci_low"]), np.nan_to_num(rows["ci_high"] - rows["mean"])]
            ax.errorbar(x, rows["mean"], yerr=err, fmt=marker, ms=5, capsize=2, color=colour, label=ROLE_TEXT[role])
        for key, style, text in (("median_architecture", "--", "median architecture"), ("best_architecture", "-", "best architecture")):
            ref = s[s["role"] == key]
            if len(ref):
                r = ref.iloc[0]
                ax.axhline(r["mean"], color="#333333", ls=style, lw=1, label=f"{text} ({r['label']})")
                if np.isfinite(r["ci_low"]) and np.isfinite(r["ci_high"]):
                    ax.axhspan(r["ci_low"], r["ci_high"], color="#999999", alpha=0.15 if style == "-" else 0.08, lw=0)
        ax.set_xticks(range(len(readings)), readings, rotation=20, ha="right", fontsize=7)
        ax.set_xlim(-0.6, len(readings) - 0.4)
        ax.set_ylabel("final performance")
        ax.set_title(task, fontsize=9)
        ax.legend(fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.32), ncol=3, frameon=False)
    fig.suptitle("Does online architecture search beat fixed designs? (means with 95% intervals)", fontsize=9)
    fig.tight_layout()
    save(fig, out_stem)


def build(studies: list[tuple[str, Path]]) -> tuple[dict[str, str], pd.DataFrame]:
    """Every table as CSV text (and the summary, for the figure), from every task's study."""
    from nasdqn.jobs.results import csv_text

    tasks = [t for t, _ in studies]
    if len(set(tasks)) != len(tasks):
        raise ResultsError(f"--study: a task is named twice ({', '.join(tasks)})")
    readings = [r for task, root in studies for r in read_study(task, Path(root))]
    check_shared_oracle(readings)
    ranking, shares = oracle_tables(readings)
    summary = summary_table(readings)
    frames = {"per_run.csv": per_run_table(readings), "summary.csv": summary, "oracle_ranking.csv": ranking,
              "variance_share.csv": shares, "claims.csv": claims_table(readings), "pooled.csv": pooled_table(readings)}
    return {name: csv_text(list(df.columns), df.to_dict("records")) for name, df in frames.items()}, summary
