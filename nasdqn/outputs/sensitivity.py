"""Which readings of the paper make its claims hold: the claims x variants matrix of a study
with `variants`, a figure of every agent's final performance per variant, and the top-level
report, whose summary paragraph is generated from the verdicts.

The matrix's family: each cell is judged within its own variant (the primary claims Holm-corrected
across that variant's claims, the oracle's questions across theirs, the others exploratory);
nothing is corrected across variants, and the paragraph says so. The variants share seeds (and
the runs whose settings agree), so a statement over several variants takes the seed as the unit:
the report's pooled table compares each agent's per-seed mean over the variants."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from nasdqn.analysis import pooling
from nasdqn.analysis.tables import Analysis
from nasdqn.outputs.drawing import COLORS, save

MATRIX_COLUMNS = ["claim", "family", "variant", "verdict", "decisive_pair", "key_effect", "level", "seeds_needed"]


def matrix(variants: list[tuple[str, str, dict]]) -> pd.DataFrame:
    """One row per claim and variant, from each variant's claims.csv."""
    rows = []
    for name, root, _ in variants:
        claims = pd.read_csv(Path(root) / "metrics/claims.csv", keep_default_na=False, dtype=str)
        for r in claims.to_dict("records"):
            rows.append({"claim": r["claim"], "family": r["family"], "variant": name, "verdict": r["verdict"],
                         "decisive_pair": r["decisive_pair"], "key_effect": r["key_effect"], "level": r["level"],
                         "seeds_needed": r["seeds_needed"]})
    return pd.DataFrame(rows, columns=MATRIX_COLUMNS)


def final_by_variant(variants: list[tuple[str, str, dict]], a: Analysis, out_stem: str | Path) -> None:
    """Every agent's mean final performance per variant, with its t interval across seeds."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(variants) + 2), 4.2))
    agents = [x for x in a.agents if x not in a.oracle]
    width = 0.8 / max(len(agents), 1)
    finals = [s[s["metric"] == "final_performance"] for s in (pd.read_csv(Path(root) / "metrics/summary.csv") for _, root, _ in variants)]
    for k, agent in enumerate(agents):
        means, lows, highs = [], [], []
        for s in finals:
            row = s[s["agent"] == agent].iloc[0]
            means.append(row["mean"])
            lows.append(row["mean"] - row["ci95_low"])
            highs.append(row["ci95_high"] - row["mean"])
        x = np.arange(len(variants)) + (k - (len(agents) - 1) / 2) * width
        ax.errorbar(x, means, yerr=[np.nan_to_num(lows), np.nan_to_num(highs)], fmt="o", ms=4, capsize=2,
                    color=COLORS[k % len(COLORS)], label=a.label(agent))
    ax.set_xticks(range(len(variants)), [v for v, _, _ in variants], rotation=30, ha="right")
    ax.set_ylabel("final performance (mean, 95% interval)")
    ax.set_title("Final performance of every agent under every reading of the paper")
    ax.legend(fontsize=7, ncol=min(len(agents), 5), loc="lower center", bbox_to_anchor=(0.5, 1.08))
    fig.tight_layout()
    save(fig, out_stem)


def pooled(variants: list[tuple[str, str, dict]], a: Analysis) -> list[tuple[str, pooling.Pooled]]:
    """Over every variant with the seed as the unit: the reference's final performance, its per-seed
    mean over the variants, against every other agent's (Welch on the per-seed means)."""
    runs = pd.concat([pd.read_csv(Path(root) / "metrics/per_run.csv").assign(variant=name) for name, root, _ in variants],
                     ignore_index=True)
    ref = a.roles.get("reference")
    if ref is None or ref not in set(runs["agent"]):
        return []
    x = pooling.per_seed_means(runs, ref, reading="variant").to_numpy(float)
    others = [o for o in a.agents if o != ref and o not in a.oracle and o in set(runs["agent"])]
    return [(o, pooling.welch(x, pooling.per_seed_means(runs, o, reading="variant").to_numpy(float), a.decision.alpha)) for o in others]


def pooled_lines(rows: list[tuple[str, pooling.Pooled]], a: Analysis, n_variants: int) -> list[str]:
    if not rows:
        return []
    ref = a.label(a.roles["reference"])
    return ["## Over all variants, the seed as the unit", "",
            f"The variants train every agent on the same seeds, so the {n_variants} readings of one agent are not "
            f"{n_variants} x more evidence: each agent's final performance is averaged over the variants per seed, and "
            f"{ref}'s per-seed means are compared with each other agent's (Welch's t, {100 * (1 - a.decision.alpha):g}% "
            "interval; exploratory: no claim's verdict).", "",
            f"| {ref} vs | seeds | {ref} | other | difference [interval] | p |", "|---|---|---|---|---|---|",
            *[f"| {a.label(o)} | {c.n_a} | {c.mean_a:.4g} | {c.mean_b:.4g} | {c.estimate:.3g} [{c.ci_low:.3g}, {c.ci_high:.3g}] | {c.p:.3g} |"
              for o, c in rows], ""]


def family_sentence(n_variants: int, alpha: float = 0.05) -> str:
    return (f"Family: every cell is judged within its own variant (the primary claims Holm-corrected across that variant's "
            f"claims, the oracle's questions across theirs, the others exploratory at alpha); nothing is corrected across "
            f"the {n_variants} variants, so a verdict that holds under one reading only is exploratory evidence: with "
            f"{n_variants} readings, a primary claim that is false everywhere can be supported under one of them with "
            f"probability up to {n_variants} x alpha. The variants share seeds (and the runs whose settings agree): a verdict "
            f"that holds under several readings is one finding seen several times, not independent replications; the "
            f"table \"Over all variants\" below takes the seed as the unit.")


def summary_paragraph(m: pd.DataFrame, variants: list[str], n_seeds: int) -> str:
    """Which readings make which claims hold, in words generated from the matrix."""
    default = variants[0]
    n_claims = m["claim"].nunique()
    d = m[m["variant"] == default]["verdict"].value_counts()
    undecided = d.get("inconclusive", 0) + d.get("not decidable", 0)
    parts = [f"Under the first reading, `{default}`, {d.get('supported', 0)} of {n_claims} claims are supported, "
             f"{d.get('contradicted', 0)} contradicted and {undecided} undecided at {n_seeds} seeds"
             + (f" ({d['not tested']} not tested; the variant's report says why)." if d.get("not tested") else "."),
             family_sentence(len(variants))]
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
                     f"{', '.join(f'`{v}`' for v in best.index)} ({int(counts.max())} of {n_claims}).")
    return " ".join(parts)


def report(m: pd.DataFrame, variants: list[tuple[str, str, dict]], n_seeds: int, report_path: str | Path = "results/REPORT.md",
           pooled_section: list[str] | None = None) -> str:
    names = [v for v, _, _ in variants]
    lines = [
        "# NAS-DQN sensitivity study: which readings of the paper make its claims hold",
        "",
        summary_paragraph(m, names, n_seeds),
        "",
        "Every cell is the verdict of the same decision rule as the main report (docs/statistics.md), computed on that "
        "variant's runs; below the verdict, the comparison that decides it (the strongest contradiction, else the weakest "
        "link of support) and its effect with the interval at the claim's level. Runs whose settings are equal across "
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
        family = m[m["claim"] == claim]["family"].iloc[0]
        lines.append(f"| `{claim}`{' (primary)' if family == 'primary' else ''} | " + " | ".join(cells) + " |")
    here = Path(report_path).parent
    lines += ["", *(pooled_section or [])]
    lines += ["## Final performance per variant", "", "![final performance per variant](sensitivity/final_by_variant.png)", "",
              "## Reports per variant", ""]
    lines += [f"- [`{v}`]({os.path.relpath(Path(root) / 'REPORT.md', here)})" for v, root, _ in variants]
    return "\n".join(lines) + "\n"
