"""The generated blocks of the studies that `python -m nasdqn publish` commits (the paper protocol,
the 10-seed study, the Gymnasium task studies, the sensitivity study) and of the fair test: their
verdicts, key numbers and figures, from their folders under studies/ only."""
from __future__ import annotations

import json

import pandas as pd

from nasdqn.outputs.blocks import Context, block, bold_verdict, interval, md_table, num, placeholder

VERDICTS = ("supported", "contradicted", "inconclusive", "not decidable", "not tested")
CLAIM_STUDIES = ("paper", "seeds10", "tasks_cartpole", "tasks_acrobot")


def provenance(ctx: Context, study: str) -> str:
    """Where the tables came from, from source.json: config, runs, versions, CPUs, commits."""
    src = json.loads((ctx.repo / ctx.study(study).folder / "source.json").read_text())
    runs = src["runs"]
    commits = ", ".join(c[:7] + c[40:] for c in runs["commits"])
    return (f"`{ctx.study(study).folder}/` (`python -m nasdqn publish` from `{src['config']}`: {runs['count']} runs made with "
            f"nasdqn {', '.join(runs['nasdqn'])} at commit {commits} on {', '.join(runs['cpu_models'])})")


def final_performance(ctx: Context, study: str, prefix: str = "") -> str:
    """Every agent's final performance: mean [min, max] over its runs, in agents.csv's order."""
    runs, agents = ctx.table(study, f"{prefix}metrics/per_run.csv"), ctx.table(study, f"{prefix}metrics/agents.csv")
    parts, oracle = [], 0
    for a in agents.to_dict("records"):
        x = runs.loc[runs["agent"] == a["agent"], "final_performance"]
        if str(a["oracle"]).lower() == "true":
            oracle += 1
        elif len(x):
            parts.append(f"{a['label']} {num(x.mean())} [{num(x.min())}, {num(x.max())}]")
    n = runs.groupby("agent")["seed"].nunique().max()
    also = f" (the oracle's {oracle} architectures: `metrics/oracle_ranking.csv`)" if oracle else ""
    return f"final performance (mean [min, max] over {n} seeds): " + ", ".join(parts) + also


def tally(claims: pd.DataFrame) -> str:
    counts = claims["verdict"].value_counts()
    primary = claims.loc[claims["family"] == "primary", "verdict"].value_counts()
    said = ", ".join(f"{counts[v]} {v}" for v in VERDICTS if v in counts)
    prim = ", ".join(f"{primary[v]} {v}" for v in VERDICTS if v in primary)
    return f"of its {len(claims)} claims {said}; of the primary family's {int(primary.sum())} (the abstract's) {prim or 'none'}"


def claims_table(claims: pd.DataFrame) -> str:
    rows = []
    for r in claims.fillna("").to_dict("records"):
        effect = f"{r['decisive_pair']}: {r['key_effect']}" if r["decisive_pair"] else r["key_effect"]
        seeds = r["seeds_needed"] if r["verdict"] in ("inconclusive", "not decidable") else ""
        rows.append([f"`{r['claim']}`", f"\"{r['words']}\" ({r['where']})", r["family"], bold_verdict(r["verdict"]), effect, seeds])
    return md_table(["claim", "the paper's words", "family", "verdict", "key effect [interval]", "seeds it would take"], rows)


def _figure(ctx: Context, study: str, rel: str, alt: str) -> list[str]:
    return [f"![{alt}]({ctx.link(f'{ctx.study(study).folder}/{rel}')})"] if ctx.has(study, rel) else []


def _report(ctx: Context, study: str) -> str:
    return f" Full report: [{ctx.study(study).folder}/REPORT.md]({ctx.link(f'{ctx.study(study).folder}/REPORT.md')})." \
        if ctx.has(study, "REPORT.md") else ""


@block("paper")
def paper(ctx: Context) -> str:
    """README: the paper protocol's verdicts in brief."""
    if not ctx.study("paper").committed(ctx.repo):
        return placeholder(ctx, "paper")
    claims = ctx.table("paper", "metrics/claims.csv")
    return "\n".join([f"The paper protocol, {provenance(ctx, 'paper')}: {final_performance(ctx, 'paper')}; {tally(claims)}."
                      + _report(ctx, "paper"), "", *_figure(ctx, "paper", "figures/forest.png", "every claim's effect, interval and margin")])


def claims_block(study: str):
    def render(ctx: Context) -> str:
        if not ctx.study(study).committed(ctx.repo):
            return placeholder(ctx, study)
        claims = ctx.table(study, "metrics/claims.csv")
        head = f"{ctx.study(study).title[0].upper()}{ctx.study(study).title[1:]}, {provenance(ctx, study)}: {final_performance(ctx, study)}; "
        return "\n".join([head + f"{tally(claims)}." + _report(ctx, study), "", claims_table(claims), "",
                          *_figure(ctx, study, "figures/forest.png", "every claim's effect, interval and margin")])
    render.__doc__ = f"docs/results.md: the {study} study's claims, verdicts and key effects."
    return render


for _study in CLAIM_STUDIES:
    block(f"{_study}-claims")(claims_block(_study))


@block("sensitivity")
def sensitivity(ctx: Context) -> str:
    """docs/results.md: per reading (variant) NAS-DQN's and Random-NAS's final performance and the verdict counts."""
    if not ctx.study("sensitivity").committed(ctx.repo):
        return placeholder(ctx, "sensitivity")
    matrix = ctx.table("sensitivity", "sensitivity/matrix.csv")
    rows = []
    for variant in dict.fromkeys(matrix["variant"]):
        v = matrix[matrix["variant"] == variant]["verdict"].value_counts()
        summary, agents = (ctx.table("sensitivity", f"variants/{variant}/metrics/{f}") for f in ("summary.csv", "agents.csv"))
        final = summary[summary["metric"] == "final_performance"].set_index("agent")
        roles = {role: a for a, rs in zip(agents["agent"], agents["roles"].fillna("").astype(str)) for role in rs.split()}
        cells = [f"{num(final.loc[roles[r], 'mean'])} {interval(final.loc[roles[r], 'ci95_low'], final.loc[roles[r], 'ci95_high'])}"
                 if r in roles else "-" for r in ("reference", "random_search")]
        rows.append([f"`{variant}`", *cells, " / ".join(str(v.get(x, 0)) for x in VERDICTS)])
    table = md_table(["variant", "NAS-DQN", "Random-NAS", " / ".join(VERDICTS)], rows)
    return "\n".join([f"The sensitivity study, {provenance(ctx, 'sensitivity')}; final performance: mean and 95% interval over seeds "
                      "(`summary.csv` of each variant), verdicts from `sensitivity/matrix.csv`." + _report(ctx, "sensitivity"), "", table,
                      "", *_figure(ctx, "sensitivity", "sensitivity/final_by_variant.png", "final performance by variant")])


@block("defaults-learn")
def defaults_learn(ctx: Context) -> str:
    """docs/assumptions.md: Fixed Medium's episodes to the threshold and final performance per seed in the paper protocol."""
    if not ctx.study("paper").committed(ctx.repo):
        return placeholder(ctx, "paper")
    runs = ctx.table("paper", "metrics/per_run.csv")
    mine = runs[runs["agent"] == "fixed_medium"].sort_values("seed")
    reached = [str(int(r["episodes_to_threshold"])) + ("" if str(r["threshold_reached"]).lower() == "true" else " (not reached)")
               for r in mine.to_dict("records")]
    return "\n".join([f"From {provenance(ctx, 'paper')}, `metrics/per_run.csv`:", "",
                      md_table(["agent", *[f"seed {s}" for s in mine["seed"]]],
                               [["fixed_medium, episodes to the threshold", *reached],
                                ["fixed_medium, final performance", *[num(x, 2) for x in mine["final_performance"]]]])])
