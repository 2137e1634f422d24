"""Which readings of the paper make its claims hold: the claims x variants matrix of a study
with `variants`, a figure of every agent's final performance per variant, and the top-level
report, whose summary paragraph is generated from the verdicts."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from nasdqn.analysis.claims import CLAIMS
from nasdqn.analysis.tables import Analysis
from nasdqn.outputs.figures import COLORS, save

MATRIX_COLUMNS = ["claim", "variant", "verdict", "decisive_pair", "key_effect", "p_holm", "seeds_needed"]


def matrix(variants: list[tuple[str, str, dict]]) -> pd.DataFrame:
    """One row per claim and variant, from each variant's claims.csv."""
    rows = []
    for name, root, _ in variants:
        claims = pd.read_csv(Path(root) / "metrics/claims.csv", keep_default_na=False, dtype=str)
        for r in claims.to_dict("records"):
            rows.append({"claim": r["claim"], "variant": name, "verdict": r["verdict"], "decisive_pair": r["decisive_pair"],
                         "key_effect": r["key_effect"], "p_holm": r["p_holm"], "seeds_needed": r["seeds_needed"]})
    return pd.DataFrame(rows, columns=MATRIX_COLUMNS)


def final_by_variant(variants: list[tuple[str, str, dict]], a: Analysis, out_stem: str | Path) -> None:
    """Every agent's mean final performance per variant, with its t interval across seeds."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(variants) + 2), 4.2))
    width = 0.8 / max(len(a.agents), 1)
    finals = [s[s["metric"] == "final_performance"] for s in (pd.read_csv(Path(root) / "metrics/summary.csv") for _, root, _ in variants)]
    for k, agent in enumerate(a.agents):
        means, lows, highs = [], [], []
        for s in finals:
            row = s[s["agent"] == agent].iloc[0]
            means.append(row["mean"])
            lows.append(row["mean"] - row["ci95_low"])
            highs.append(row["ci95_high"] - row["mean"])
        x = np.arange(len(variants)) + (k - (len(a.agents) - 1) / 2) * width
        ax.errorbar(x, means, yerr=[np.nan_to_num(lows), np.nan_to_num(highs)], fmt="o", ms=4, capsize=2,
                    color=COLORS[k % len(COLORS)], label=a.label(agent))
    ax.set_xticks(range(len(variants)), [v for v, _, _ in variants], rotation=30, ha="right")
    ax.set_ylabel("final performance (mean, 95% interval)")
    ax.set_title("Final performance of every agent under every reading of the paper")
    ax.legend(fontsize=7, ncol=min(len(a.agents), 5), loc="lower center", bbox_to_anchor=(0.5, 1.08))
    fig.tight_layout()
    save(fig, out_stem)


def summary_paragraph(m: pd.DataFrame, variants: list[str], n_seeds: int) -> str:
    """Which readings make which claims hold, in words generated from the matrix."""
    default = variants[0]
    d = m[m["variant"] == default]["verdict"].value_counts()
    parts = [f"Under the first reading, `{default}`, {d.get('supported', 0)} of {len(CLAIMS)} claims are supported, "
             f"{d.get('contradicted', 0)} contradicted and {d.get('inconclusive', 0)} inconclusive at {n_seeds} seeds"
             + (f" ({d['not tested']} not tested; the variant's report says why)." if d.get("not tested") else ".")]
    held, never = [], []
    for claim in dict.fromkeys(m["claim"]):
        rows = m[m["claim"] == claim]
        yes = list(rows.loc[rows["verdict"] == "supported", "variant"])
        no = list(rows.loc[rows["verdict"] == "contradicted", "variant"])
        if yes:
            held.append(f"`{claim}` holds under {', '.join(f'`{v}`' for v in yes)}"
                        + (f" and is contradicted under {', '.join(f'`{v}`' for v in no)}" if no else ""))
        else:
            never.append(claim)
    parts.append(("Claims that some reading supports: " + "; ".join(held) + ".") if held else "No reading supports any claim.")
    if never:
        parts.append(f"No reading supports {', '.join(f'`{c}`' for c in never)}.")
    counts = m[m["verdict"] == "supported"].groupby("variant").size().reindex(variants, fill_value=0)
    best = counts[counts == counts.max()]
    if counts.max() > 0:
        parts.append(f"The reading{'s' if len(best) > 1 else ''} under which the most claims hold: "
                     f"{', '.join(f'`{v}`' for v in best.index)} ({int(counts.max())} of {len(CLAIMS)}).")
    return " ".join(parts)


def report(m: pd.DataFrame, variants: list[tuple[str, str, dict]], n_seeds: int) -> str:
    names = [v for v, _, _ in variants]
    lines = [
        "# NAS-DQN sensitivity study: which readings of the paper make its claims hold",
        "",
        summary_paragraph(m, names, n_seeds),
        "",
        "Every cell is the verdict of the same decision rule as the main report (docs/statistics.md), computed on that "
        "variant's runs; below the verdict, the pair of agents whose comparison decides it (for a comparison claim, the "
        "one with the largest Holm-corrected p) and its effect with the interval. Runs whose settings are equal across "
        "variants were trained once and shared. Each variant's full report: `variants/<name>/REPORT.md`.",
        "",
        "## Variants",
        "",
        "| variant | overrides of config/... |",
        "|---|---|",
        *[f"| `{v}` | `{json.dumps(o, sort_keys=True) if o else 'none: the default reading'}` |" for v, _, o in variants],
        "",
        "## Claims x variants",
        "",
        "| claim | " + " | ".join(f"`{v}`" for v in names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for claim in dict.fromkeys(m["claim"]):
        cells = []
        for v in names:
            r = m[(m["claim"] == claim) & (m["variant"] == v)].iloc[0]
            verdict = f"**{r['verdict']}**" if r["verdict"] in ("supported", "contradicted") else r["verdict"]
            cells.append(f"{verdict}<br>{r['decisive_pair']}: {r['key_effect']}".replace("|", "/"))
        lines.append(f"| `{claim}` | " + " | ".join(cells) + " |")
    lines += ["", "## Final performance per variant", "", "![final performance per variant](sensitivity/final_by_variant.png)", "",
              "## Reports per variant", ""]
    lines += [f"- [`{v}`]({Path(root).relative_to('results')}/REPORT.md)" for v, root, _ in variants]
    return "\n".join(lines) + "\n"
