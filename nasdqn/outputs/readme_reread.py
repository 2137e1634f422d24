"""The first mechanism study re-read (issue 25, item 1; studies/mechanism/reread/, written by
`python -m nasdqn reread`): what its headline measured, in sentences computed from the tables."""
from __future__ import annotations

from nasdqn.analysis.switching import FIXED
from nasdqn.outputs.blocks import Context, block, interval, md_table, num, placeholder, sig

STUDY = "mechanism/reread"
FOLDER = "studies/mechanism/reread"
LABELS = {"nas_dqn": "NAS-DQN", "random_nas": "Random-NAS", "matched_random": "the matched control"}


def _table(ctx: Context, name: str):
    import pandas as pd

    return pd.read_csv(ctx.repo / FOLDER / name)


def _stratified(ctx: Context) -> str:
    s = _table(ctx, "stratified.csv")
    rows = s[s["reading"] == "all"]
    median = rows["median_architecture"].iloc[0]
    parts = []
    for agent, g in rows.groupby("agent", sort=False):
        by = {bool(r["last_update_switched"]): r for r in g.to_dict("records")}
        kept, switched = by.get(False), by.get(True)
        text = f"{LABELS.get(agent, agent)}'s runs that switched at the last update end at {num(switched['mean_final_performance'])} " \
               f"({int(switched['runs'])} runs)" if switched else f"{LABELS.get(agent, agent)} never switched at the last update"
        if kept:
            text += f", those that kept their network at {num(kept['mean_final_performance'])} ({int(kept['runs'])})"
        parts.append(text)
    return (f"**The final score judges a young network.** Against the median fixed architecture's {num(median)}: "
            + "; ".join(parts) + " (final performance, the last episodes' training return; `stratified.csv`).")


def _seed_unit(ctx: Context) -> str:
    u = _table(ctx, "seed_unit.csv")
    u = u[u["outcome"] == "final_performance"]
    rows = [[r["contrast"].replace("nas_dqn", "NAS-DQN").replace("random_nas", "Random-NAS").replace("matched_random", "matched control"),
             str(int(r["seeds"])), f"{num(r['effect'])} {interval(r['ci_low'], r['ci_high'])}", sig(r["p_seed_unit"], 2),
             "" if r["p_runs_as_independent"] != r["p_runs_as_independent"] else sig(r["p_runs_as_independent"], 2)]
            for r in u.to_dict("records")]
    return ("**The seed is the unit.** The readings share their seeds, so per seed the mean over the readings is one observation "
            "(`seed_unit.csv`; Welch t on the per-seed means, 95% interval, the test of the study's own `pooled.csv`); the last column is what "
            "the same test with every run counted as independent would claim:\n\n"
            + md_table(["contrast (final performance)", "seeds", "effect [95%]", "p (seed as unit)", "p (runs as independent)"], rows))


def _shares(ctx: Context) -> str:
    v = _table(ctx, "variance_shares.csv")
    parts = [f"{r['set']} ({int(r['architectures'])}): {num(100 * r['estimate'], 0)}% {interval(100 * r['ci_low'], 100 * r['ci_high'])}"
             for r in v.to_dict("records")]
    return ("**Little headroom once the failing architectures are set aside.** The share of the variance of final performance "
            "the architecture explains: " + "; ".join(parts) + " (`variance_shares.csv`).")


RUNS_COMMAND = ("snakemake $(python -m nasdqn plan --config config/mechanism/acrobot.yaml --targets) --configfile "
                "config/mechanism/acrobot.yaml --cores all", "python -m nasdqn reread --results results --out studies/mechanism/reread")


def _from_runs(ctx: Context) -> str:
    """The parts that read the runs themselves: how early the architectures' ranking settles, or,
    while the runs' tables are not committed, what produces them."""
    if not (ctx.repo / FOLDER / "ranking_by_budget.csv").exists():
        return ("*Not committed yet: the switch-cost curve, the ranking of the architectures after 10%, 20% and 50% of the "
                "budget and compact learning curves read the first study's 450 runs, which have to be retrained (deterministic: "
                "`reread` checks each run's final performance against the committed `per_run.csv`); they are written by* `" + RUNS_COMMAND[0] + "` *then* `"
                + RUNS_COMMAND[1] + "`.")
    r = _table(ctx, "ranking_by_budget.csv")
    parts = [f"after {int(x['step'])} steps {num(x['spearman'], 2)}" for x in r.to_dict("records")]
    return ("**How early the ranking settles.** Spearman's correlation of the architectures' mean training returns with "
            "their final ones: " + "; ".join(parts) + " (`ranking_by_budget.csv`).\n\n" + _switch_cost(ctx))


def _switch_cost(ctx: Context) -> str:
    """The training return by the steps since the network took over, in the bins that start and
    end the window it took over in and the one that ends the window after (with how many runs
    reach it), per reading and agent, and the fixed architectures from their start at the same ages."""
    cost = _table(ctx, "switch_cost.csv")
    cost = cost[cost["outcome"] == "training"]
    width = int((cost["age_to"] - cost["age_from"]).iloc[0])  # every bin one width, a fifth of a window (analysis.switching)
    ages = [(0, width), (4 * width, 5 * width), (9 * width, 10 * width)]
    rows, seen = [], {}
    for (reading, agent), g in sorted(cost.groupby(["reading", "agent"], sort=False), key=lambda kv: kv[0][1] == FIXED):
        at = {(int(r["age_from"]), int(r["age_to"])): r for r in g[g["episodes"] > 0].to_dict("records")}
        fixed = agent == FIXED
        cells = [num(at[a]["mean"]) if a in at else "" for a in ages[:2]]
        cells.append(f"{num(at[ages[2]]['mean'])} ({int(at[ages[2]]['runs'])} runs)" if ages[2] in at else "")
        rows.append(["(from their start)" if fixed else reading, "27 fixed architectures" if fixed else LABELS.get(agent, agent), *cells])
        for a in ages[:2]:
            if a in at:
                seen.setdefault((fixed, a), []).append(at[a]["mean"])
    lead = " ".join(f"In steps {a}-{b} after taking over, the searching agents' networks average between {num(min(seen[False, (a, b)]))} "
                    f"and {num(max(seen[False, (a, b)]))}, a fixed architecture at that age from scratch {num(seen[True, (a, b)][0])}."
                    for a, b in ages[:2] if (False, (a, b)) in seen and (True, (a, b)) in seen)
    return ("**What a switch costs.** The training return by the environment steps since the network took over (`switch_cost.csv`, "
            f"bins of {width} steps, a fifth of a window; fewer runs reach the later bins: those whose network was kept). " + lead
            + "\n\n" + md_table(["reading", "agent", *(f"{a}-{b} steps" for a, b in ages)], rows)
            + (f"\n\n![The first study: training return by the steps since the network took over, per reading]"
               f"({ctx.link(FOLDER + '/switch_cost.png')})" if (ctx.repo / FOLDER / "switch_cost.png").exists() else ""))


@block("mechanism-reread")
def reread(ctx: Context) -> str:
    """What the first study's headline measured: the gaps split by the last switch, the seed as
    the unit, and the variance share without the architectures that fail."""
    if not ctx.study(STUDY).committed(ctx.repo):
        return placeholder(ctx, STUDY)
    return "\n\n".join([_stratified(ctx), _seed_unit(ctx), _shares(ctx), _from_runs(ctx)])
