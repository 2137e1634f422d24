"""The mechanism study's generated blocks (from studies/mechanism/, written by `python -m nasdqn
mechanism`): the answer in two sentences, the readings table with the figure, and the detailed
reading of it. Every number is computed here from the committed tables."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from nasdqn.analysis import pooling
from nasdqn.outputs.blocks import Context, block, bold_verdict, interval, md_table, num, placeholder, sig, span

STUDY = "mechanism"
TASK_NAMES = {"acrobot": "Acrobot-v1", "cartpole": "CartPole-v1", "pendulum": "the pendulum", "swingup": "the pendulum swing-up"}
UNIFORM_TOP5 = 5 / 27  # the share of the oracle's top 5 among the 27 architectures: what uniform search gives
QUESTIONS = (("beats_median_architecture", "beats the median architecture"), ("near_best_in_hindsight", "within the margin of the best"),
             ("finds_top_architectures", "finds the top 5 more often than 5/27"), ("nas_beats_random", "beats both random controls"))
_EFFECT = re.compile(r"(-?inf|-?[0-9.]+(?:e[-+]?\d+)?) \[(-?inf|-?[0-9.]+(?:e[-+]?\d+)?), (-?inf|-?[0-9.]+(?:e[-+]?\d+)?)\]")


def effects(text: str) -> list[tuple[float, float, float]]:
    """The (estimate, low, high) of each comparison in a claims.csv effect cell ('e [l, h]; ...')."""
    return [tuple(float(v) for v in m.groups()) for m in _EFFECT.finditer(str(text))]


@dataclass
class Task:
    """One task's tables of the mechanism study."""

    name: str
    summary: pd.DataFrame
    claims: pd.DataFrame
    runs: pd.DataFrame  # the searching agents' runs (not the oracle's)
    share: pd.Series
    best: pd.Series  # the oracle's ranking's first row
    pooled: pd.DataFrame

    @property
    def title(self) -> str:
        return TASK_NAMES.get(self.name, self.name)

    @property
    def readings(self) -> list[str]:
        return list(dict.fromkeys(self.summary["reading"]))

    def role(self, role: str) -> pd.DataFrame:
        return self.summary[self.summary["role"] == role].set_index("reading").reindex(self.readings)

    def claim(self, claim: str) -> pd.DataFrame:
        return self.claims[self.claims["claim"] == claim].set_index("reading").reindex(self.readings)

    def median(self) -> pd.Series:
        return self.role("median_architecture").iloc[0]

    def below_median(self) -> pd.Series:
        return self.role("reference")["mean"] - self.role("median_architecture")["mean"]


def tasks(ctx: Context) -> list[Task]:
    t = {name: ctx.table(STUDY, f"{name}.csv") for name in ("summary", "claims", "per_run", "variance_share", "oracle_ranking", "pooled")}
    out = []
    for name in dict.fromkeys(t["summary"]["task"]):
        def mine(df: pd.DataFrame, task: str = name) -> pd.DataFrame:
            return df[df["task"] == task]
        runs = mine(t["per_run"])
        out.append(Task(name, mine(t["summary"]), mine(t["claims"]), runs[runs["reading"] != "all"], mine(t["variance_share"]).iloc[0],
                        mine(t["oracle_ranking"]).sort_values("rank").iloc[0], mine(t["pooled"])))
    return out


def _share(t: Task) -> str:
    return f"{num(100 * t.share['estimate'], 0)}% [{num(100 * t.share['ci_low'], 0)}, {num(100 * t.share['ci_high'], 0)}]"


def _count_readings(values: pd.Series, test) -> str:
    n = int(sum(bool(test(v)) for v in values))
    return f"all {len(values)}" if n == len(values) else f"{n} of {len(values)}"


@block("mechanism-answer")
def answer(ctx: Context) -> str:
    """The answer in a few sentences (README's opening)."""
    if not ctx.study(STUDY).committed(ctx.repo):
        return placeholder(ctx, STUDY)
    parts = []
    for t in tasks(ctx):
        gap = -t.below_median()
        undecided = t.claim("nas_beats_random")["verdict"].isin(["inconclusive", "not decidable"]).all()
        n = int(t.role("reference")["n_runs"].max())
        parts.append(
            f"On {t.title}, where the choice among the search space's 27 fixed architectures explains {_share(t)} of the variance of "
            f"final performance, NAS-DQN ends {span(gap)} reward below the median fixed architecture (on average) under "
            f"{_count_readings(gap, lambda g: g > 0)} readings of what a switch does ({n} seeds each)"
            + (f", and {n} seeds cannot tell it apart from random search under any reading." if undecided else "."))
    return " ".join(parts)


def _readings_table(t: Task) -> str:
    nas, rnd, matched = t.role("reference"), t.role("random_search"), t.role("matched_random")
    rows = []
    for r in t.readings:
        cells = [f"{num(df.loc[r, 'mean'])} {interval(df.loc[r, 'ci_low'], df.loc[r, 'ci_high'])}" for df in (nas, rnd, matched)]
        verdicts = [bold_verdict(str(t.claim(c).loc[r, "verdict"])) for c, _ in QUESTIONS]
        rows.append([f"`{r}`", *cells, *verdicts])
    return md_table(["reading", "NAS-DQN", "Random-NAS", "matched random", *[q for _, q in QUESTIONS]], rows)


def _oracle_sentence(t: Task) -> str:
    m, best = t.median(), t.role("best_architecture").iloc[0]
    return (f"On {t.title} the architecture explains **{_share(t)}** of the variance of final performance over the oracle's runs; "
            f"the median architecture, `{m['label']}`, is at {num(m['mean'])} {interval(m['ci_low'], m['ci_high'])}, and the best "
            f"architecture's mean is at least {num(best['ci_low'])}, interval {interval(best['ci_low'], best['ci_high'])} (the oracle's "
            f"`{t.best['label']}` has the highest mean, {num(t.best['mean'])}; the interval is one projection of the 27 means' "
            "simultaneous intervals, which cannot rule out that an architecture that fails in some seeds is the best, so its upper end "
            "can reach the task's best return).")


@block("mechanism-table")
def readings_table(ctx: Context) -> str:
    """Per task: the oracle's answer, then per reading the searching agents' final performance and the verdicts."""
    if not ctx.study(STUDY).committed(ctx.repo):
        return placeholder(ctx, STUDY)
    out = []
    for t in tasks(ctx):
        n = int(t.role("reference")["n_runs"].max())
        out += [_oracle_sentence(t), "",
                f"Final performance (mean and 95% interval over {n} seeds; `{ctx.study(STUDY).folder}/summary.csv`) and the verdicts "
                f"(`{ctx.study(STUDY).folder}/claims.csv`):", "", _readings_table(t), ""]
    figure = ctx.link(f"{ctx.study(STUDY).folder}/answer.png")
    out.append(f"![NAS-DQN and both random controls per reading against the oracle's median and best architecture]({figure})")
    return "\n".join(out)


def _search_loses(t: Task) -> str:
    gap, near = -t.below_median(), t.claim("near_best_in_hindsight")["verdict"]
    nas = t.runs[t.runs["agent"] == t.role("reference")["agent"].iloc[0]]
    at_or_above = [int((g["final_performance"] >= t.median()["mean"]).sum()) for _, g in nas.groupby("reading")]
    return (f"- **Search against a fixed design.** NAS-DQN's mean ends {span(gap)} reward below the median fixed architecture "
            f"(under {_count_readings(gap, lambda g: g > 0)} readings); the claim that it comes within the margin of the best "
            f"architecture is contradicted under {_count_readings(near, lambda v: v == 'contradicted')} readings (both questions are "
            f"read off one joint confidence set, so their verdicts cannot contradict each other). Between {min(at_or_above)} and "
            f"{max(at_or_above)} of its {len(nas) // len(t.readings)} runs per reading end at or above the median architecture. Some "
            "of its runs do not beat a uniform-random policy on their own seed (each reading's `metrics/floor_check.csv` in its "
            "results folder; not among the committed tables).")


def _pooled(t: Task) -> str:
    rows = t.pooled[t.pooled["than"].isin(list(t.role("random_search")["agent"][:1]) + list(t.role("matched_random")["agent"][:1]))]
    said = [f"{num(r['estimate'])} {interval(r['ci_low'], r['ci_high'])} reward above {r['comparison'].split(' vs ', 1)[1]}, "
            f"p {sig(r['p'], 2)}" for r in rows.to_dict("records")]
    sd = t.runs.groupby(["reading", "agent"])["final_performance"].std()
    supported = int((t.claim("nas_beats_random")["verdict"] == "supported").sum())
    keep = t.runs.groupby(["agent", "reading"])["keep_fraction"].mean()
    nas, rnd, matched = (t.role(r)["agent"].iloc[0] for r in ("reference", "random_search", "matched_random"))
    return (f"- **Directed against random search.** The {len(t.readings)} readings share their seeds, so they are not "
            f"{len(t.readings)} replications: with the seed as the unit (each agent's mean over the readings per seed, "
            f"`pooled.csv`) NAS-DQN ends {'; '.join(said)}, an exploratory figure. Within each reading the claim that NAS-DQN "
            f"beats random search is supported under {supported} of {len(t.readings)}: the runs spread by {span(sd)} reward (SD) "
            f"around those means. The matched control keeps its architecture about as often as NAS-DQN (keep rate "
            f"{num(keep[matched].mean(), 2)} against {span(keep[nas], 2)}; Random-NAS {num(keep[rnd].mean(), 2)}), so the comparison "
            "with it is one of direction, not of how often the network is reset.")


def _top5(t: Task) -> str:
    found = {r: effects(e) for r, e in t.claim("finds_top_architectures")["effect"].items()}
    visits = [f[0][0] for f in found.values() if f]
    picks = [f[1][0] for f in found.values() if len(f) > 1]
    excludes = [f"`{r}`" for r, f in found.items() if len(f) > 1 and f[1][1] > 0]
    supported = int((t.claim("finds_top_architectures")["verdict"] == "supported").sum())
    return (f"- **The top architectures.** NAS-DQN's share of windows in the oracle's top 5 exceeds 5/27 by {span(visits, 2)} and "
            f"its final picks by {span(picks, 2)}; the final picks' interval excludes zero under "
            f"{', '.join(excludes) if excludes else 'no reading'}, and the claim, which needs both, is supported under {supported} of "
            f"{len(t.readings)} readings.")


def _what_seeds_show(t: Task) -> str:
    n = int(t.role("reference")["n_runs"].max())
    joint = [e[0][2] - e[0][1] for e in map(effects, t.claim("beats_median_architecture")["effect"]) if e]
    pairs = [x for e in map(effects, t.claim("final_superior")["effect"]) for x in e]
    needed = sorted({str(v) for c in ("nas_beats_random", "near_best_in_hindsight", "finds_top_architectures")
                     for v in t.claim(c)["seeds_needed"] if str(v)})
    return (f"- **What {n} seeds can and cannot show.** The joint set's intervals for the median question are {span(joint)} reward "
            f"wide (NAS-DQN's runs are skewed by runs that fail); the differences between the searching agents are "
            f"{span([abs(p[0]) for p in pairs])} reward, with intervals {span([(p[2] - p[1]) / 2 for p in pairs])} reward either "
            f"side. The seeds per agent that would decide \"beats random search\", \"within the margin of the best\" and \"finds the "
            f"top 5\" at the margin (claims.csv): {', '.join(needed) or 'not computed'}.")


@block("mechanism-details")
def details(ctx: Context) -> str:
    """The readings table read plainly, every number from the committed tables."""
    if not ctx.study(STUDY).committed(ctx.repo):
        return placeholder(ctx, STUDY)
    out = []
    for t in tasks(ctx):
        out += [f"{t.title}:", "", _search_loses(t), _pooled(t), _top5(t), _what_seeds_show(t), ""]
    return "\n".join(out).rstrip()


def _as_independent(t: Task, better: str, than: str) -> str:
    """The same difference with every run counted as an independent draw (what pooling corrects)."""
    a, b = (t.runs.loc[t.runs["agent"] == x, "final_performance"].to_numpy(float) for x in (better, than))
    return sig(pooling.welch(a, b, 0.05).p, 2)


@block("mechanism-pooled")
def pooled(ctx: Context) -> str:
    """docs/statistics.md: pooled.csv (the seed as the unit), beside the p the runs would get counted as independent."""
    if not ctx.study(STUDY).committed(ctx.repo):
        return placeholder(ctx, STUDY)
    out = []
    for t in tasks(ctx):
        rows = []
        for r in t.pooled.to_dict("records"):
            independent = _as_independent(t, r["better"], r["than"]) if r["than"] in set(t.runs["agent"]) else "-"
            rows.append([r["comparison"], f"{int(r['n_better'])} / {int(r['n_than'])}", f"{num(r['estimate'])} {interval(r['ci_low'], r['ci_high'])}",
                         sig(r["p"], 2), r["test"], independent])
        out += [f"{t.title} (`{ctx.study(STUDY).folder}/pooled.csv`, over its {len(t.readings)} readings):", "",
                md_table(["comparison", "seeds", "estimate [95% interval]", "p", "test", "p with every run counted as independent"], rows), ""]
    return "\n".join(out).rstrip()
