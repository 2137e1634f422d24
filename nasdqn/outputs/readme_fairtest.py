"""The fair test's generated blocks (from studies/fairtest/, written by `python -m nasdqn fairtest`
and `python -m nasdqn headroom`): the primary contrast per task, every contrast, the screening."""
from __future__ import annotations

from nasdqn.outputs.blocks import Context, block, bold_verdict, interval, md_table, num, placeholder, sig

STUDY = "fairtest"


def _contrast_text(r: dict) -> str:
    return (f"{r['contrast']} ({r['reading']}, {int(r['n_seeds'])} seeds, seed-paired): {num(r['effect'])} "
            f"{interval(r['ci_low'], r['ci_high'])} at level {sig(r['level'], 2)}, margin {num(r['margin'])}: {bold_verdict(r['verdict'])}")


@block("fairtest")
def primary(ctx: Context) -> str:
    """README: per selected task the primary contrast (NAS-DQN minus the yoked control) and the figure."""
    if not ctx.study(STUDY).committed(ctx.repo):
        return placeholder(ctx, STUDY)
    c = ctx.table(STUDY, "contrasts.csv")
    lines = [f"- {r['task']}: {_contrast_text(r)}" for r in c[c["family"] == "primary"].to_dict("records")]
    figure = [f"![The fair test: NAS-DQN, the yoked control and Random-NAS]({ctx.link(ctx.study(STUDY).folder + '/answer.png')})"] \
        if ctx.has(STUDY, "answer.png") else []
    return "\n".join([f"The fair test's primary contrast (`{ctx.study(STUDY).folder}/contrasts.csv`; greedy return of the deployed "
                      "network):", "", *lines, "", *figure]).rstrip()


@block("fairtest-contrasts")
def every_contrast(ctx: Context) -> str:
    """docs/results.md: every contrast with its verdict, and the screening's headroom where committed."""
    if not ctx.study(STUDY).committed(ctx.repo):
        return placeholder(ctx, STUDY)
    c = ctx.table(STUDY, "contrasts.csv")
    rows = [[r["task"], r["family"], r["contrast"], r["reading"], str(int(r["n_seeds"])), f"{num(r['effect'])} {interval(r['ci_low'], r['ci_high'])}",
             sig(r["level"], 2), num(r["margin"]), bold_verdict(r["verdict"])] for r in c.to_dict("records")]
    out = [md_table(["task", "family", "contrast", "reading", "seeds", "effect [interval]", "level", "margin", "verdict"], rows)]
    if ctx.has(STUDY, "headroom.csv"):
        h = ctx.table(STUDY, "headroom.csv")
        rows = [[r["task"], f"`{r['best']}`", num(r["best_held_out"]), num(r["median_held_out"]), num(r["gain"]), num(r["threshold"]),
                 "yes" if str(r["passes"]).lower() == "true" else "no"] for r in h.to_dict("records")]
        out += ["", "The screening's headroom (`headroom.csv`: the best architecture selected on seeds 0-1, its held-out mean "
                "against the median architecture's on seeds 2-3):", "",
                md_table(["task", "best architecture", "its held-out mean", "median architecture", "gain", "needed", "headroom"], rows)]
    return "\n".join(out)
