"""The fair test's generated blocks (from studies/fairtest/, written by `python -m nasdqn fairtest`
and `python -m nasdqn headroom`): the answer per task (the primary contrast, the agents against
the fixed designs, the figure), every contrast with the screening, and what a switch costs."""
from __future__ import annotations

import pandas as pd

from nasdqn.analysis import stats
from nasdqn.outputs.blocks import Context, block, bold_verdict, interval, md_table, num, placeholder, sig

STUDY = "fairtest"
AGENT_NAMES = {"nas_dqn": "NAS-DQN", "yoked": "yoked control", "random_nas": "Random-NAS"}


def _contrast_text(r: dict) -> str:
    return (f"{r['contrast']} ({r['reading']}, {int(r['n_seeds'])} seeds, seed-paired): {num(r['effect'])} "
            f"{interval(r['ci_low'], r['ci_high'])} at level {sig(r['level'], 2)}, margin {num(r['margin'])}: {bold_verdict(r['verdict'])}")


def _mean_ci(values: pd.Series) -> str:
    """Mean and 95% t interval over the values (stats.mean_interval)."""
    v = values.to_numpy(dtype=float)
    if len(v) < 2:
        return num(float(v.mean())) if len(v) else ""
    mean, low, high = stats.mean_interval(v, 0.05)
    return f"{num(mean[0])} {interval(low[0], high[0])}"


def _oracle_rows(task: str, oracle: pd.DataFrame) -> list[list[str]]:
    """The oracle's random fixed architecture (per seed, the mean over the architectures), its median
    and its best architecture by mean (naive), each with the steps its own networks trained."""
    means = oracle.groupby("agent")["greedy_final"].mean().sort_values(kind="stable")
    if not len(means):
        return []
    per_seed = oracle.groupby("seed")["greedy_final"].mean()
    rows = [[task, "oracle", "random fixed architecture", str(len(per_seed)), _mean_ci(per_seed),
             num(float(oracle["deployed_steps"].mean()), 0)]]
    for label, agent in (("median architecture", means.index[(len(means) - 1) // 2]), ("best by mean, naive", means.index[-1])):
        runs = oracle[oracle["agent"] == agent]
        rows.append([task, "oracle", f"{label} (`{agent}`)", str(len(runs)), _mean_ci(runs["greedy_final"]),
                     num(float(runs["deployed_steps"].mean()), 0)])
    return rows


def _agents_table(runs: pd.DataFrame) -> str:
    """Greedy final return per task, reading and agent (mean and 95% t interval over seeds), and the
    oracle's random fixed architecture, median and best architecture by mean (naive)."""
    rows = []
    for task, t in runs.groupby("task", sort=False):
        search = t[t["reading"] != "all"]
        for (reading, agent), g in search.groupby(["reading", "agent"], sort=True):
            rows.append([task, reading, AGENT_NAMES.get(agent, agent), str(len(g)), _mean_ci(g["greedy_final"]),
                         num(float(g["deployed_steps"].mean()), 0)])
        rows += _oracle_rows(task, t[t["reading"] == "all"])
    return md_table(["task", "reading", "agent", "runs", "greedy final return [95%]", "steps the deployed network trained (mean)"], rows)


@block("fairtest")
def primary(ctx: Context) -> str:
    """README: per selected task the primary contrast (NAS-DQN minus the yoked control), the agents
    against the fixed designs, and the figure."""
    if not ctx.study(STUDY).committed(ctx.repo):
        return placeholder(ctx, STUDY)
    c = ctx.table(STUDY, "contrasts.csv")
    lines = [f"- {r['task']}: {_contrast_text(r)}" for r in c[c["family"] == "primary"].to_dict("records")]
    secondary = c[(c["family"] == "secondary") & c["contrast"].str.startswith("NAS-DQN - ") & ~c["contrast"].str.endswith("yoked")]
    lines += [f"- {r['task']}: {_contrast_text(r)}" for r in secondary.to_dict("records")]
    figure = [f"![The fair test: NAS-DQN, the yoked control and Random-NAS]({ctx.link(ctx.study(STUDY).folder + '/answer.png')})"] \
        if ctx.has(STUDY, "answer.png") else []
    return "\n".join(["Whether choosing architectures by score beats switching at the same moments at random (the primary "
                      "contrast), and whether the search beats a fixed design (`" + ctx.study(STUDY).folder + "/contrasts.csv`; "
                      "greedy return of the deployed network, 30 episodes):", "", *lines, "",
                      _agents_table(ctx.table(STUDY, "per_run.csv")), "", *figure]).rstrip()


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
        out += ["", _headroom(ctx)]
    if ctx.has(STUDY, "pilot.csv"):
        out += ["", _pilot(ctx)]
    if ctx.has(STUDY, "warm_starts.csv"):
        out += ["", _warm_starts(ctx)]
    return "\n".join(out)


def _warm_starts(ctx: Context) -> str:
    w = ctx.table(STUDY, "warm_starts.csv")
    rows = [[r["task"], r["reading"], AGENT_NAMES.get(r["agent"], r["agent"]), r["warm_start"], str(int(r["switches"])),
             num(100 * r["share_of_switches"], 0) + "%", num(100 * r["met_targets"], 0) + "%", num(r["median_agreement"], 2),
             num(r["median_q_error"], 3), num(r["median_steps"], 0)] for r in w.to_dict("records")]
    return ("How the grow reading's switches started (`warm_starts.csv`): grown (the old function kept), distilled (to the "
            "fidelity targets or the step cap) or resumed, the share that met both targets, and the medians:\n\n"
            + md_table(["task", "reading", "agent", "start", "switches", "share", "met the targets", "agreement", "Q error", "steps"],
                       rows))


def _headroom(ctx: Context) -> str:
    h = ctx.table(STUDY, "headroom.csv")
    rows = [[r["task"], f"`{r['best']}`", num(r["best_held_out"]), num(r["median_held_out"]), num(r["gain"]), num(r["threshold"]),
             "yes" if str(r["passes"]).lower() == "true" else "no"] for r in h.to_dict("records")]
    return ("The screening's headroom (`headroom.csv`: the best architecture selected on seeds 0-1, its held-out mean "
            "against the median architecture's on seeds 2-3):\n\n"
            + md_table(["task", "best architecture", "its held-out mean", "median architecture", "gain", "needed", "headroom"], rows))


def _pilot(ctx: Context) -> str:
    p = ctx.table(STUDY, "pilot.csv")
    rows = [[r["task"], str(int(r["pilot_seeds"])), num(r["sd_difference"]), num(r["margin"]), str(r["seeds_wanted"]), str(int(r["seeds"]))]
            for r in p.to_dict("records")]
    return ("The pilot's seed rule (`pilot.csv`: the SD of NAS-DQN - yoked per seed, the seeds a paired t-test needs for power 0.8 "
            "at one margin, at least 10 and at most 30):\n\n"
            + md_table(["task", "pilot seeds", "SD of the difference", "margin", "seeds the rule asks", "seeds run"], rows))


@block("fairtest-switch-cost")
def switch_cost(ctx: Context) -> str:
    """docs/results.md: the greedy return of a network that just took over against a network of the
    same age trained from scratch (the fixed architectures), per task and reading."""
    if not ctx.has(STUDY, "switch_cost.csv"):
        return placeholder(ctx, STUDY)
    cost = ctx.table(STUDY, "switch_cost.csv")
    cost = cost[(cost["outcome"] == "greedy") & (cost["episodes"] > 0)]
    rows = []
    for (task, reading, agent), g in cost.groupby(["task", "reading", "agent"], sort=True):
        first, last = g.iloc[0], g.iloc[-1]
        rows.append([task, reading, AGENT_NAMES.get(agent, agent), f"{int(first['age_from'])}-{int(first['age_to'])}", num(first["mean"]),
                     f"{int(last['age_from'])}-{int(last['age_to'])}", num(last["mean"])])
    return ("What a switch costs, in greedy return: the evaluations by the environment steps since the evaluated network "
            "took over (`switch_cost.csv`; the fixed architectures from their start). Evaluations fall at window ends, before a "
            "switch, so the youngest switched network is evaluated about one window after it took over; the training return "
            "by age, in the same table, shows the steps right after a switch:\n\n"
            + md_table(["task", "reading", "agent", "steps since taking over (first bin)", "greedy return", "(last bin)", "greedy return"], rows))
