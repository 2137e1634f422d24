"""The figures a reader looks at first: every claim's comparisons as a forest plot (effect and
interval in units of the margin, the claimed direction to the right, the region that supports
the claim shaded, coloured by the claim's verdict; thick: the interval at the claim's level,
thin: the simultaneous one over the claim's comparisons), and the oracle's 27 architectures
ranked against the agents that search. Both are drawn from the study's tables."""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from nasdqn.analysis.registry import METRICS
from nasdqn.outputs.drawing import Inputs, color, draws, inputs_study, save

VERDICT_COLOURS = {"supported": "#2E7D32", "contradicted": "#C62828", "inconclusive": "#757575", "not decidable": "#BDBDBD",
                   "not tested": "#E0E0E0"}
LIMIT = 30.0  # margins: effects beyond are drawn at the edge


def forest_rows(claims: pd.DataFrame, comparisons: pd.DataFrame, a) -> list[dict]:
    """One row per comparison, in claim order: oriented effect and interval in units of the margin
    (a: the study's Analysis, for the margins and the agents' labels)."""
    decision, rows = a.decision, []
    verdict = dict(zip(claims["claim"], claims["verdict"]))
    for r in comparisons.to_dict("records"):
        m = METRICS[r["metric"]]
        delta = decision.margin(m.scale)

        def unit(v: float) -> float:
            v = math.log(v) if m.log_scale and v > 0 else (-math.inf if m.log_scale and v == 0 else v)
            return m.sign * v / delta

        est, low, high = unit(r["estimate"]), unit(r["ci_low"]), unit(r["ci_high"])
        low, high = min(low, high), max(low, high)
        joint = sorted((unit(r["simultaneous_low"]), unit(r["simultaneous_high"])))
        solo = not isinstance(r["than"], str) or not r["than"]  # a one-sample comparison (its agent's runs against a constant)
        who = f"{a.label(r['better'])}, one sample" if solo else f"{a.label(r['better'])} vs {a.label(r['than'])}"
        rows.append({"claim": r["claim"], "family": r["family"], "label": f"{r['claim']}: {who} ({r['metric']})",
                     "estimate": est, "low": low, "high": high, "joint_low": joint[0], "joint_high": joint[1],
                     "verdict": verdict.get(r["claim"], "not tested"),
                     "region": (float(r["support_low"]) / delta, float(r["support_high"]) / delta), "decides": r["says"] != "undecided"})
    return rows


def _clip(x: float) -> float:
    return float(np.clip(np.nan_to_num(x, nan=0.0, posinf=LIMIT, neginf=-LIMIT), -LIMIT, LIMIT))


TICKS = [-20, -10, -5, -2, -1, 0, 1, 2, 5, 10, 20]


def draw_forest(rows: list[dict], out_stem: str | Path) -> None:
    save(forest_figure(rows), out_stem)


def forest_figure(rows: list[dict]) -> plt.Figure:
    """The forest plot, laid out so that every label and the key lie inside the figure."""
    height = 0.22 * max(len(rows), 4) + 2.4
    fig, ax = plt.subplots(figsize=(9.5, height))
    for y, r in enumerate(rows):
        lo, hi = (_clip(v) for v in r["region"])
        ax.fill_between([lo, hi], y - 0.42, y + 0.42, color="#C8E6C9", lw=0, zorder=0)
        c = VERDICT_COLOURS.get(r["verdict"], "#757575")
        ax.plot([_clip(r["joint_low"]), _clip(r["joint_high"])], [y, y], color=c, lw=0.7, zorder=2)
        ax.plot([_clip(r["low"]), _clip(r["high"])], [y, y], color=c, lw=2.0, zorder=2)
        ax.scatter([_clip(r["estimate"])], [y], color=c if r["decides"] else "white", edgecolor=c, s=28, zorder=3)
    for x, style in ((0, "-"), (1, "--"), (-1, "--")):
        ax.axvline(x, color="black", ls=style, lw=0.7, zorder=1)
    ax.set_xscale("symlog", linthresh=2.0)
    ax.set_xlim(-LIMIT, LIMIT)
    ax.set_xticks(TICKS, [str(t) for t in TICKS])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    names = [("[P] " if r["family"] == "primary" else "[O] " if r["family"] == "oracle" else "") + r["label"] for r in rows]
    ax.set_yticks(range(len(rows)), names, fontsize=6.5)
    ax.set_xlabel("effect in units of its margin, the claimed direction to the right", fontsize=8)
    handles = [plt.Line2D([], [], color=c, lw=2, label=v) for v, c in VERDICT_COLOURS.items() if v != "not tested"]
    fig.legend(handles=handles, fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 0.42 / height), ncol=4,
               title="the claim's verdict", title_fontsize=7, frameon=False)
    # the key, centred on the figure (not on the axes, which the long row labels push to the right)
    fig.text(0.5, 0.1 / height, "dashed: the margin; shaded: where the interval supports the claim; filled dot: this comparison "
             "decides;\nthick: the interval at the claim's level; thin: the simultaneous one over the claim's comparisons",
             ha="center", va="bottom", fontsize=7)
    ax.set_title("Every claim's comparisons ([P] primary family, Holm; [O] the oracle's questions)", fontsize=8)
    fig.tight_layout(rect=(0, 1.15 / height, 1, 1))
    return fig


@draws("forest")
def fig_forest(inp: Inputs, out_stem: str | Path) -> None:
    st = inputs_study(inp)
    claims = pd.read_csv(st.metrics_dir / "claims.csv", keep_default_na=False, dtype=str)
    comparisons = pd.read_csv(st.metrics_dir / "comparisons.csv")
    draw_forest(forest_rows(claims, comparisons, st.analysis), out_stem)


@draws("oracle_ranking")
def fig_oracle(inp: Inputs, out_stem: str | Path) -> None:
    """Each architecture's mean final performance with its t interval and simultaneous rank
    interval; the searching agents' means as vertical bands."""
    st = inputs_study(inp)
    ranking = pd.read_csv(st.metrics_dir / "oracle_ranking.csv")
    fig, ax = plt.subplots(figsize=(8, 0.24 * max(len(ranking), 4) + 1.4))
    y = np.arange(len(ranking))
    ax.errorbar(ranking["mean"], y, xerr=[ranking["mean"] - ranking["ci_low"], ranking["ci_high"] - ranking["mean"]],
                fmt="o", ms=3, color="#455A64", capsize=2)
    names = [f"{r.label}  (rank {r.rank_low}-{r.rank_high})" + (" *" if r.top5 else "") for r in ranking.itertuples()]
    ax.set_yticks(y, names, fontsize=6.5)
    ax.set_ylim(len(ranking) - 0.5, -0.5)
    for agent in st.searchers:
        v = st.column(agent, "final_performance").astype(float)
        ax.axvline(float(np.mean(v)), color=color(st.agents, agent), lw=1.2, label=f"{st.label(agent)} (mean)")
    ax.set_xlabel(f"final performance (mean return, last {st.metric.final_episodes} episodes; 95% t interval)")
    ax.set_title("The oracle's ranking (* the top 5; rank intervals hold for all 27 together)", fontsize=8)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    save(fig, out_stem)
