"""The tables aggregation writes to results/metrics/: summaries, claim verdicts, every
comparison behind them, and robust aggregates. Deterministic functions of per_run.csv and
the analysis settings (every bootstrap draws from a fixed seed)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nasdqn.analysis import claims as cl
from nasdqn.analysis import stats, survival

SUMMARY_COLUMNS = [
    "agent", "label", "metric", "n_runs", "mean", "std", "ci95_low", "ci95_high", "median", "iqm", "iqm_ci95_low",
    "iqm_ci95_high", "n_reached", "restricted_mean", "km_median",
]
SUMMARY_METRICS = [
    "final_performance", "stability", "episodes_to_threshold", "peak", "train_seconds", "search_overhead_share",
    "visit_entropy", "best_pick_fraction", "transitions", "keep_fraction", "episodes_since_transition",
    "greedy_final", "greedy_episodes_to_threshold",
]
CLAIM_COLUMNS = [
    "claim", "where", "words", "kind", "verdict", "test", "measured", "p_holm", "effect", "seeds_needed", "note",
    "decisive_pair", "key_effect",
]
COMPARISON_COLUMNS = [
    "claim", "metric", "better", "than", "test", "value_better", "value_than", "estimate", "ci_low", "ci_high",
    "p", "p_holm", "permutation_p", "supports_claim", "seeds_needed",
]
ROBUST_COLUMNS = ["kind", "agent", "than", "value", "ci95_low", "ci95_high"]


@dataclass(frozen=True)
class Analysis:
    """What the tables depend on: config.analysis_settings() as a typed object."""

    agents: list[str]
    labels: dict[str, str]
    roles: dict
    budget: int
    decision: cl.DecisionSettings

    @classmethod
    def from_settings(cls, a: dict) -> "Analysis":
        return cls(list(a["agents"]), dict(a["labels"]), dict(a["roles"]), int(a["budget"]),
                   cl.DecisionSettings(**a["decision"]))

    def label(self, agent: str) -> str:
        return "+".join(self.labels.get(a, a) for a in agent.split("+"))


# ----- summary ----------------------------------------------------------------------------------
def _summary_row(agent: str, metric: str, x: np.ndarray, reached: np.ndarray, a: Analysis, rng) -> dict:
    d = a.decision
    finite = x[np.isfinite(x)]
    row = {"agent": agent, "label": a.label(agent), "metric": metric, "n_runs": int(x.size)}
    if finite.size:
        mean, low, high = stats.mean_interval(finite, d.alpha) if finite.size > 1 else (finite[:1], [np.nan], [np.nan])
        iqm_lo, iqm_hi = stats.bootstrap_interval(stats.iqm, [finite], rng, d.bootstrap_samples, d.alpha)
        row.update(mean=float(finite.mean()), std=float(finite.std(ddof=1)) if finite.size > 1 else np.nan,
                   ci95_low=float(low[0]), ci95_high=float(high[0]), median=float(np.median(finite)),
                   iqm=float(stats.iqm(finite)), iqm_ci95_low=iqm_lo, iqm_ci95_high=iqm_hi)
    if metric in ("episodes_to_threshold", "greedy_episodes_to_threshold") and np.isfinite(x).all():
        times, surv = survival.kaplan_meier(x, reached)
        below = np.flatnonzero(surv <= 0.5)
        row.update(n_reached=int(reached.sum()), restricted_mean=float(survival.restricted_mean(x, a.budget)),
                   km_median=float(times[below[0]]) if below.size else np.nan)
    return row


def summary_table(per_run: pd.DataFrame, a: Analysis) -> pd.DataFrame:
    """Per agent and metric: mean with its t interval, median, IQM with a stratified-bootstrap
    interval; for the time to threshold also how many runs reached it, the restricted mean
    (censored runs at the budget) and the Kaplan-Meier median."""
    rng = np.random.default_rng(a.decision.bootstrap_seed)
    rows = []
    for agent in a.agents:
        runs = per_run[per_run["agent"] == agent]
        for metric in SUMMARY_METRICS:
            flag = "greedy_threshold_reached" if metric.startswith("greedy") else "threshold_reached"
            reached = runs[flag].to_numpy(dtype=bool)
            rows.append(_summary_row(agent, metric, runs[metric].to_numpy(dtype=np.float64), reached, a, rng))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


# ----- claims -----------------------------------------------------------------------------------
def evaluate_claims(per_run: pd.DataFrame, a: Analysis) -> list[cl.Evaluation]:
    data = cl.Samples.from_table(per_run, a.budget)
    present = [x for x in a.agents if x in set(per_run["agent"])]
    return cl.evaluate_all(data, a.roles, present, a.decision)


def _fmt(x: float, digits: int = 3) -> str:
    if x is None or not np.isfinite(x):
        return "inf" if x == np.inf else ("0" if x == 0 else "n/a")
    return f"{x:.{digits}g}"


def _measured(ev: cl.Evaluation, a: Analysis) -> str:
    """The measured values behind a claim, as a reader would quote them."""
    parts = []
    for t in ev.pairs:
        vb, vt = float(t.mean_better[0]), float(t.mean_than[0])
        if ev.claim.kind == "bound":
            parts.append(f"{a.label(t.better)} {100 * vb:.3g}% of wall time")
        elif ev.claim.kind == "factor":
            parts.append(f"restricted mean {_fmt(vb)} ({a.label(t.better)}) vs {_fmt(vt)} ({a.label(t.than)}) episodes, "
                         f"ratio {_fmt(float(t.extra['rmst_ratio'][0]))}x")
        else:
            parts.append(f"{a.label(t.better)} {_fmt(vb, 4)} vs {a.label(t.than)} {_fmt(vt, 4)}")
    return "; ".join(parts)


def _effect(t: cl.Tested) -> str:
    est, lo, hi = (float(v[0]) for v in (t.result.estimate, t.result.ci_low, t.result.ci_high))
    return f"{_fmt(est)} [{_fmt(lo)}, {_fmt(hi)}]"


def claim_rows(evals: list[cl.Evaluation], a: Analysis, n_seeds: int) -> pd.DataFrame:
    rows = []
    for ev in evals:
        c = ev.claim
        row = {"claim": c.id, "where": c.where, "words": c.words, "kind": c.kind, "verdict": str(ev.verdict[0])}
        if ev.missing:
            rows.append({**row, "note": ev.missing})
            continue
        verdict = row["verdict"]
        seeds = cl.seeds_needed(ev, a.decision, n_seeds) if verdict == "inconclusive" else None
        p_holm = [float(t.p_adjusted[0]) for t in ev.pairs if t.p_adjusted.size]
        decisive = _decisive(ev, a.decision.alpha)
        row.update(
            decisive_pair=f"{a.label(decisive.better)} vs {a.label(decisive.than)}" if decisive.better != decisive.than else a.label(decisive.better),
            key_effect=_effect(decisive),
            test=", ".join(dict.fromkeys(t.test for t in ev.pairs)),
            measured=_measured(ev, a),
            p_holm="; ".join(_fmt(p) for p in p_holm),
            effect="; ".join(_effect(t) for t in ev.pairs),
            seeds_needed="" if verdict != "inconclusive" else (str(seeds) if seeds else f"more than {a.decision.max_seeds}"),
            note=_band_note(ev),
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def _decisive(ev: cl.Evaluation, alpha: float) -> cl.Tested:
    """The pair that decides the verdict: the most significant pair against the claim if any
    (it contradicts), else the pair with the largest Holm p (the weakest link of support)."""
    if ev.claim.kind != "dominance":
        return ev.pairs[0]
    against = [t for t in ev.pairs if not t.favours[0] and t.p_adjusted[0] < alpha]
    if against:
        return min(against, key=lambda t: float(t.p_adjusted[0]))
    return max(ev.pairs, key=lambda t: float(t.p_adjusted[0]))


def _band_note(ev: cl.Evaluation) -> str:
    if ev.band is None:
        return ""
    lo, hi = ev.band
    what = {"factor": "factor", "equivalence": "ratio", "bound": "share"}[ev.claim.kind]
    return f"{what} must lie in [{_fmt(lo)}, {_fmt(hi)}]" if np.isfinite(lo) else f"{what} must lie below {_fmt(hi)}"


def comparison_rows(evals: list[cl.Evaluation], per_run: pd.DataFrame, a: Analysis, n_seeds: int) -> pd.DataFrame:
    """Every pair behind every claim: values, test, p, Holm p, effect and interval."""
    rows = []
    for ev in evals:
        for t in ev.pairs:
            low, high = float(t.result.ci_low[0]), float(t.result.ci_high[0])
            perm = float("nan")
            if t.test == "Welch t":
                x, y = (per_run.loc[per_run["agent"] == g, cl.METRICS[t.comparison.metric].column].to_numpy(float) for g in (t.better, t.than))
                perm = stats.permutation_p(np.concatenate([x, y])[None], x.size)[0] if x.size > 1 and y.size > 1 else perm
            rows.append({
                "claim": ev.claim.id, "metric": t.comparison.metric, "better": t.better, "than": t.than, "test": t.test,
                "value_better": float(t.mean_better[0]), "value_than": float(t.mean_than[0]),
                "estimate": float(t.result.estimate[0]), "ci_low": low, "ci_high": high, "p": float(t.result.p[0]),
                "p_holm": float(t.p_adjusted[0]) if t.p_adjusted.size else float("nan"), "permutation_p": float(perm),
                "supports_claim": bool(t.favours[0]),
                "seeds_needed": cl._pair_seeds(ev, t, a.decision, n_seeds) or -1,
            })
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


# ----- robust aggregates ------------------------------------------------------------------------
def robust_table(per_run: pd.DataFrame, a: Analysis, metric: str = "final_performance") -> pd.DataFrame:
    """rliable's aggregates of one metric: IQM per agent and the probability that the reference
    agent's run beats another agent's run, with stratified-bootstrap intervals."""
    d = a.decision
    rng = np.random.default_rng(d.bootstrap_seed + 2)
    values = {x: per_run.loc[per_run["agent"] == x, metric].to_numpy(float) for x in a.agents}
    rows = []
    for agent, v in values.items():
        lo, hi = stats.bootstrap_interval(stats.iqm, [v], rng, d.bootstrap_samples, d.alpha)
        rows.append({"kind": f"iqm_{metric}", "agent": agent, "than": "", "value": float(stats.iqm(v)), "ci95_low": lo, "ci95_high": hi})
    ref = a.roles.get("reference")
    for other in (x for x in a.agents if x != ref and ref in values):
        lo, hi = stats.bootstrap_interval(stats.probability_of_improvement, [values[ref], values[other]], rng,
                                          d.bootstrap_samples, d.alpha)
        poi = float(stats.probability_of_improvement(values[ref], values[other])[0])
        rows.append({"kind": f"probability_of_improvement_{metric}", "agent": ref, "than": other, "value": poi,
                     "ci95_low": lo, "ci95_high": hi})
    return pd.DataFrame(rows, columns=ROBUST_COLUMNS)


def performance_profile(values: np.ndarray, taus: np.ndarray) -> np.ndarray:
    """Fraction of runs whose score exceeds each tau (rliable's performance profile)."""
    return (np.asarray(values, dtype=np.float64)[:, None] > taus[None, :]).mean(axis=0)

