"""The fair test's tables and figure (issue 25), from each selected task's study.

Reads every reading's aggregated per-run table (results/.../variants/<reading>/metrics/per_run.csv)
and every run's files (episodes, windows, greedy evaluations), and writes, deterministically:
per_run.csv (the outcome of every run, and the steps its deployed network trained),
contrasts.csv (nasdqn/analysis/fairtest.py: the primary and secondary contrasts with their
verdicts), switch_cost.csv (training and greedy return by steps since the last switch, per task x
reading x agent; the fixed architectures from scratch as the reference), warm_starts.csv (how the
switches of the grow reading started, and how faithfully), curves.csv (every run's compact
learning curve, so that a later re-reading needs no training; plain text, so that the bytes do not
depend on a compression library) and answer.png / answer.pdf.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from nasdqn.analysis.fairtest import TaskStudy, answer
from nasdqn.analysis.readers import read_table
from nasdqn.analysis.switching import FIXED, compact_curve, read_run, switch_cost, window_in_steps
from nasdqn.learning.controller import NASSettings
from nasdqn.settings.config import oracle_agents, resolved_agent_config
from nasdqn.settings.plan import study_plan

PER_RUN_COLUMNS = ["task", "reading", "agent", "seed", "greedy_final", "final_performance", "transitions", "env_steps"]
CURVE_POINTS = 50


@dataclass
class TaskRuns:
    """One task's study: its config, TaskStudy (outcomes) and the run directories per reading."""

    task: str
    cfg: dict
    study: TaskStudy
    dirs: dict[str, dict[tuple[str, int], Path]]  # reading -> (agent, seed) -> run directory
    read: dict[Path, tuple[pd.DataFrame, pd.DataFrame]] = field(default_factory=dict)

    def run(self, d: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
        """read_run of a run directory, read once however many tables use it."""
        if d not in self.read:
            self.read[d] = read_run(d)
        return self.read[d]


def _per_run(results: Path, root: str) -> pd.DataFrame:
    return read_table(results / Path(root).relative_to("results") / "metrics" / "per_run.csv", PER_RUN_COLUMNS[2:],
                      "missing (run the study's workflow, or `python -m nasdqn aggregate --config ...`, first)")


def load_task(task: str, cfg: dict, results: Path, oracle_cfg: dict | None = None) -> TaskRuns:
    """A task's study from its config (a study with one variant per reading) and its results folder;
    the oracle's runs from the study itself (protocol.oracle) or from `oracle_cfg`, a config of
    the 27 fixed architectures (at fewer seeds than the searching agents)."""
    plan = study_plan(cfg)
    oracle = set(oracle_agents())
    readings, dirs, oracle_runs = {}, {}, None
    for variant, root in plan.roots.items():
        per_run = _per_run(results, root)
        name = variant or "default"
        readings[name] = per_run[~per_run["agent"].isin(oracle)].reset_index(drop=True)
        oracle_runs = per_run[per_run["agent"].isin(oracle)].reset_index(drop=True) if oracle_runs is None else oracle_runs
        dirs[name] = {(r.agent, r.seed): results / Path(r.dir).relative_to("results") for r in plan.runs[variant]}
    if oracle_cfg is not None:
        oracle_plan = study_plan(oracle_cfg)
        (root,) = oracle_plan.roots.values()
        per_run = _per_run(results, root)
        oracle_runs = per_run[per_run["agent"].isin(oracle)].reset_index(drop=True)
        dirs["oracle"] = {(r.agent, r.seed): results / Path(r.dir).relative_to("results") for r in oracle_plan.unique_runs()}
    low, high = cfg["analysis"]["return_range"]
    agents = cfg["agents"]
    yoked = next((a for a, s in agents.items() if s["controller"] == "yoked"), "yoked")
    study = TaskStudy(task, cfg["analysis"]["return_margin"] * (high - low), readings, oracle_runs, cfg["roles"]["reference"], yoked,
                      cfg["roles"]["random_search"])
    return TaskRuns(task, cfg, study, dirs)


def deployed_steps(run_dir: Path) -> int:
    """Environment steps the run spent on the architecture it ends with: with revisits resumed (both
    readings of the fair test), the steps the deployed network's learner trained, whatever it
    started from (a grown or distilled start carries what the old network had learned besides)."""
    episodes = read_table(run_dir / "episodes.csv", ["steps", "layers", "units", "activation"])
    last = episodes.iloc[-1]
    same = (episodes["layers"] == last["layers"]) & (episodes["units"] == last["units"]) & (episodes["activation"] == last["activation"])
    return int(episodes.loc[same, "steps"].sum())


def per_run_rows(t: TaskRuns) -> pd.DataFrame:
    frames = [runs.assign(task=t.task, reading=r) for r, runs in t.study.readings.items()]
    frames.append(t.study.oracle.assign(task=t.task, reading="all"))
    out = pd.concat(frames, ignore_index=True)[PER_RUN_COLUMNS]
    dirs = {(r if r != "oracle" else "all", a, s): d for r, by in t.dirs.items() for (a, s), d in by.items()}
    dirs.update({("all", a, s): d for by in t.dirs.values() for (a, s), d in by.items() if a in set(oracle_agents())})
    out["deployed_steps"] = [deployed_steps(dirs[(r, a, s)]) for r, a, s in zip(out["reading"], out["agent"], out["seed"])]
    return out


def warm_start_rows(t: TaskRuns) -> pd.DataFrame:
    """Per reading and agent, how its switches started (grow, distill, resume: the columns the
    grow reading logs) and how faithfully: the share that met both fidelity targets, the median
    greedy-action agreement, RMS Q error and distillation steps."""
    rows = []
    for reading, by in t.dirs.items():
        for agent in sorted({a for a, _ in by} - set(oracle_agents())):
            nas = NASSettings.from_config(resolved_agent_config(t.cfg, agent, None if reading == "default" else reading)["nas"])
            frames = [read_table(d / "architectures.csv", ["transition"]) for (a, _), d in sorted(by.items()) if a == agent]
            switched = pd.concat(frames, ignore_index=True)
            switched = switched[switched["transition"].astype(str).str.lower() == "true"]
            if "warm_start" not in switched.columns or switched.empty:
                continue
            met = (switched["agreement"] >= nas.fidelity_agreement) & (switched["q_error"] <= nas.fidelity_q_error)
            for how, g in switched.groupby("warm_start", sort=True):
                rows.append({"task": t.task, "reading": reading, "agent": agent, "warm_start": how, "switches": len(g),
                             "share_of_switches": len(g) / len(switched), "met_targets": float(met[g.index].mean()),
                             "median_agreement": float(g["agreement"].median()), "median_q_error": float(g["q_error"].median()),
                             "median_steps": float(g["warm_start_steps"].median())})
    return pd.DataFrame(rows, columns=["task", "reading", "agent", "warm_start", "switches", "share_of_switches", "met_targets",
                                       "median_agreement", "median_q_error", "median_steps"])


def switch_cost_rows(t: TaskRuns) -> pd.DataFrame:
    """Training and greedy return by age (steps since the last switch), per reading x agent that
    searches, and for the fixed architectures by steps since the start; bins of a fifth of a
    window, in environment steps (a window's share of the steps the runs took)."""
    oracle = set(oracle_agents())
    groups: dict[tuple[str, str], list[Path]] = {}
    for reading, dirs in t.dirs.items():
        for (agent, _), d in sorted(dirs.items()):
            key = ("all", FIXED) if agent in oracle else (reading, agent)
            if key == ("all", FIXED) and d in groups.get(key, []):
                continue
            groups.setdefault(key, []).append(d)
    runs_of = {key: [t.run(d) for d in dirs] for key, dirs in groups.items()}
    steps, window = window_in_steps([r[0] for runs in runs_of.values() for r in runs], int(t.cfg["protocol"]["budget"]),
                                    int(t.cfg["nas"]["arch_update_interval"]))
    out = switch_cost(runs_of, steps, window).assign(task=t.task)
    return out[["task", "reading", "agent", "outcome", "age_from", "age_to", "episodes", "runs", "mean"]]


def curve_rows(t: TaskRuns) -> pd.DataFrame:
    budget, oracle = int(t.cfg["protocol"]["budget"]), set(oracle_agents())
    frames, seen = [], set()
    for reading, dirs in t.dirs.items():
        for (agent, seed), d in sorted(dirs.items()):
            if d in seen:
                continue
            seen.add(d)
            ages, _ = t.run(d)
            c = compact_curve(ages, budget, CURVE_POINTS)
            frames.append(c.assign(task=t.task, reading="all" if agent in oracle else reading, agent=agent, seed=seed))
    out = pd.concat(frames, ignore_index=True)
    return out[["task", "reading", "agent", "seed", "step", "mean_return", "episodes", "age"]]


def build(tasks: list[TaskRuns]) -> dict[str, str | bytes]:
    """Every table of the answer, as file name -> contents (nothing written yet)."""
    from nasdqn.jobs.results import csv_text

    def text(df: pd.DataFrame) -> str:
        return csv_text(list(df.columns), df.to_dict("records"))

    per_run = pd.concat([per_run_rows(t) for t in tasks], ignore_index=True)
    return {"per_run.csv": text(per_run), "contrasts.csv": text(answer([t.study for t in tasks])),
            "switch_cost.csv": text(pd.concat([switch_cost_rows(t) for t in tasks], ignore_index=True)),
            "warm_starts.csv": text(pd.concat([warm_start_rows(t) for t in tasks], ignore_index=True)),
            "curves.csv": text(pd.concat([curve_rows(t) for t in tasks], ignore_index=True))}


def answer_figure(per_run: pd.DataFrame, switch_cost: pd.DataFrame, stem: Path) -> None:
    """Top: each run's greedy final return per agent and reading, with the oracle's random fixed
    architecture, median and best; bottom: training return against steps since the last switch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = list(dict.fromkeys(per_run["task"]))
    fig, axes = plt.subplots(2, len(tasks), figsize=(6.5 * len(tasks), 8.5), squeeze=False)
    for k, task in enumerate(tasks):
        _outcomes(axes[0, k], per_run[per_run["task"] == task], task)
        switch_panel(axes[1, k], switch_cost[(switch_cost["task"] == task) & (switch_cost["outcome"] == "training")])
    fig.tight_layout()
    stem.parent.mkdir(parents=True, exist_ok=True)
    meta = {"png": {"Software": None}, "pdf": {"Creator": None, "Producer": None, "CreationDate": None}}
    for ext in ("png", "pdf"):
        fig.savefig(f"{stem}.{ext}", dpi=110, metadata=meta[ext])
    plt.close(fig)


def _outcomes(ax, runs: pd.DataFrame, task: str) -> None:
    oracle = runs[runs["reading"] == "all"]
    search = runs[runs["reading"] != "all"]
    groups = list(search.groupby(["reading", "agent"], sort=True))
    for x, ((reading, agent), g) in enumerate(groups):
        jitter = (np.arange(len(g)) % 7 - 3) * 0.04
        ax.scatter(x + jitter, g["greedy_final"], s=10, alpha=0.6)
        ax.hlines(g["greedy_final"].mean(), x - 0.3, x + 0.3, color="black")
    by_arch = oracle.groupby("agent")["greedy_final"].mean().sort_values()
    for value, label, style in ((by_arch.mean(), "random fixed architecture", ":"), (by_arch.iloc[(len(by_arch) - 1) // 2], "median architecture", "--"),
                                (by_arch.iloc[-1], "best architecture (naive)", "-.")):
        ax.axhline(value, linestyle=style, color="grey", label=f"{label} {value:.1f}")
    ax.set_xticks(range(len(groups)), [f"{a}\n{r}" for (r, a), _ in groups], fontsize=8)
    ax.set_ylabel("greedy final return (30 episodes)")
    ax.set_title(f"{task}: the deployed network of every run")
    ax.legend(fontsize=7, loc="lower left")


def switch_panel(ax, cost: pd.DataFrame) -> None:
    """Training return against the steps since the network took over, a line per (reading, agent),
    the fixed architectures dashed up to the searching agents' oldest age (also the re-reading's figure)."""
    for (reading, agent), g in cost.groupby(["reading", "agent"], sort=True):
        g = g[g["episodes"] > 0]
        if agent == FIXED:
            g = g[g["age_to"] <= cost.loc[cost["agent"] != FIXED, "age_to"].max()]
        ax.plot((g["age_from"] + g["age_to"]) / 2, g["mean"], label=f"{agent} ({reading})" if agent != FIXED else agent,
                linestyle="--" if agent == FIXED else "-")
    ax.set_xlabel("environment steps since the network took over (the last switch, or the start)")
    ax.set_ylabel("training return (mean over episodes)")
    ax.legend(fontsize=7)
