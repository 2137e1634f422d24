"""The fair test's answer (issue 25; pre-registered in docs/assumptions.md, "Fair test").

Per task, from its study's per-run tables (one reading per variant; the oracle's 27 fixed
architectures shared by the readings), on the primary outcome (greedy final return of the
deployed network): the **primary contrast**, NAS-DQN minus the yoked control, seed-paired (per
seed the mean over the readings of the difference: the seed is the unit), Holm across tasks; and
the **secondary contrasts**, Holm within each task: per reading NAS-DQN - yoked; NAS-DQN against
the random fixed architecture (per seed the mean over the 27 architectures), the median
architecture and the best architecture in hindsight (selected on the oracle's even seeds,
estimated on its odd seeds); Random-NAS - yoked. Every contrast is a paired t interval of the
per-seed differences, read against zero and the margin by the report's rule ("better": supported
when the interval lies above 0, contradicted when it lies below the margin).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nasdqn.analysis.decision import holm_levels
from nasdqn.analysis.effects import OneSampleFit
from nasdqn.analysis.judgements import judgement
from nasdqn.analysis.power import one_sample_power

OUTCOME = "greedy_final"
CONTRAST_COLUMNS = ["task", "family", "contrast", "reading", "n_seeds", "mean_a", "mean_b", "effect", "level", "ci_low", "ci_high",
                    "margin", "p_support", "p_contradict", "verdict", "interval_reading"]


@dataclass(frozen=True)
class TaskStudy:
    """One task's study: its margin, its readings' searching runs and the oracle's runs (per-run
    tables with columns agent, seed and the outcome), and which agent plays which part."""

    task: str
    margin: float
    readings: dict[str, pd.DataFrame]
    oracle: pd.DataFrame
    nas: str = "nas_dqn"
    yoked: str = "yoked"
    random: str = "random_nas"


def by_seed(runs: pd.DataFrame, agent: str, outcome: str = OUTCOME) -> pd.Series:
    return runs[runs["agent"] == agent].set_index("seed")[outcome].sort_index()


def mean_over_readings(study: TaskStudy, agent: str, outcome: str = OUTCOME) -> pd.Series:
    """Per seed, the mean of the agent's outcome over the readings (seeds every reading ran)."""
    frame = pd.concat({r: by_seed(runs, agent, outcome) for r, runs in study.readings.items()}, axis=1).dropna()
    return frame.mean(axis=1)


def oracle_baselines(study: TaskStudy, outcome: str = OUTCOME) -> dict[str, pd.Series]:
    """Per oracle seed: the random fixed architecture (mean over the 27), the median architecture
    (by its mean over the oracle's seeds) and the best in hindsight (selected on the even seeds,
    its values on the odd seeds only)."""
    table = study.oracle.pivot(index="seed", columns="agent", values=outcome).sort_index()
    means = table.mean(axis=0)
    order = means.sort_values(kind="stable").index
    median = order[(len(order) - 1) // 2]
    even, odd = table.index[table.index % 2 == 0], table.index[table.index % 2 == 1]
    best = table.loc[even].mean(axis=0).idxmax()
    return {"random fixed architecture": table.mean(axis=1), f"median architecture ({median})": table[median],
            f"best in hindsight ({best})": table.loc[odd, best]}


def paired(a: pd.Series, b: pd.Series) -> tuple[np.ndarray, float, float]:
    """a - b on the seeds both have, and each side's mean there."""
    both = pd.concat([a, b], axis=1, keys=["a", "b"]).dropna()
    return (both["a"] - both["b"]).to_numpy(), float(both["a"].mean()), float(both["b"].mean())


def contrasts(study: TaskStudy) -> list[tuple[str, str, str, tuple[np.ndarray, float, float]]]:
    """(family, contrast, reading, paired differences) of one task, in the pre-registered order."""
    nas, yoked = mean_over_readings(study, study.nas), mean_over_readings(study, study.yoked)
    out = [("primary", "NAS-DQN - yoked", "mean over readings", paired(nas, yoked))]
    for r, runs in study.readings.items():
        out.append(("secondary", "NAS-DQN - yoked", r, paired(by_seed(runs, study.nas), by_seed(runs, study.yoked))))
    for name, baseline in oracle_baselines(study).items():
        out.append(("secondary", f"NAS-DQN - {name}", "mean over readings", paired(nas, baseline)))
    out.append(("secondary", "Random-NAS - yoked", "mean over readings", paired(mean_over_readings(study, study.random), yoked)))
    return out


def judge(diffs: np.ndarray, margin: float, level: float, decided: bool = True) -> dict:
    """The rule on one paired contrast at `level`, as the report decides a comparison
    (nasdqn/analysis/decision.py): its two-sided (1 - level) interval, and each side's p on the
    level's scale (twice the one-sided p of the interval's end), so that "supported" is the
    interval above 0 and "contradicted" the interval below the margin. A contrast Holm's
    step-down did not reach is not decided: inconclusive."""
    fit = OneSampleFit(np.asarray(diffs, dtype=np.float64)[None])
    j = judgement("better", margin)
    p_s = min(2 * float(j.p_support(fit.p_above, fit.p_below)[0]), 1.0)
    p_c = min(2 * float(j.p_contradict(fit.p_above, fit.p_below)[0]), 1.0)
    low, high = (float(v[0]) for v in fit.interval(level))
    verdict = "inconclusive" if not decided else "contradicted" if p_c <= level else "supported" if p_s <= level else "inconclusive"
    return {"effect": float(fit.estimate[0]), "level": level, "ci_low": low, "ci_high": high, "p_support": p_s, "p_contradict": p_c,
            "verdict": verdict, "interval_reading": j.reading(low, high, margin)}


def answer(studies: list[TaskStudy], alpha: float = 0.05) -> pd.DataFrame:
    """Every contrast of every task with its verdict: the primary family Holm across tasks, the
    secondary family Holm within each task (decision p: the smaller of the support and the
    contradiction p, as in the report)."""
    rows = [{"task": s.task, "family": fam, "contrast": c, "reading": r, "n_seeds": len(d), "mean_a": ma, "mean_b": mb,
             "margin": s.margin, "diffs": d} for s in studies for fam, c, r, (d, ma, mb) in contrasts(s)]
    families: dict[tuple, list[int]] = {}
    for k, row in enumerate(rows):
        families.setdefault(("primary",) if row["family"] == "primary" else ("secondary", row["task"]), []).append(k)
    for members in families.values():
        first = [judge(rows[k]["diffs"], rows[k]["margin"], alpha) for k in members]
        levels, passed = holm_levels(np.array([[min(f["p_support"], f["p_contradict"]) for f in first]]), alpha)
        for k, level, ok in zip(members, levels[0], passed[0]):
            rows[k].update(judge(rows[k]["diffs"], rows[k]["margin"], float(level), bool(ok)))
    for row in rows:
        del row["diffs"]
    return pd.DataFrame(rows, columns=CONTRAST_COLUMNS)


def seeds_needed(sd: float, margin: float, tasks: int, power: float = 0.8, alpha: float = 0.05, minimum: int = 10,
                 cap: int = 30) -> tuple[int, int | None]:
    """The pre-registered seed rule: the smallest n with `power` for a two-sided paired t-test at
    alpha / tasks to detect one margin, given the pilot's SD of the per-seed differences; at least
    `minimum`, at most `cap`. Returns (n to run, n the rule asked for; None: more than 500)."""
    n = np.arange(2, 501)
    ok = one_sample_power(n, margin, sd**2, alpha / tasks / 2) >= power
    wanted = int(n[np.argmax(ok)]) if ok.any() else None
    return min(max(wanted or cap, minimum), cap), wanted


def pilot_row(study: TaskStudy, tasks: int) -> dict:
    """The seed rule applied to a pilot: the SD of the per-seed mean over readings of NAS-DQN -
    yoked, and the seeds it asks for."""
    d, mean_a, mean_b = paired(mean_over_readings(study, study.nas), mean_over_readings(study, study.yoked))
    sd = float(np.std(d, ddof=1)) if len(d) > 1 else float("nan")
    n, wanted = seeds_needed(sd, study.margin, tasks)
    return {"task": study.task, "pilot_seeds": len(d), "mean_nas": mean_a, "mean_yoked": mean_b, "mean_difference": float(np.mean(d)),
            "sd_difference": sd, "margin": study.margin, "tasks": tasks, "seeds_wanted": wanted if wanted is not None else "more than 500",
            "seeds": n}
