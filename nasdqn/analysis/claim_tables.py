"""claims.csv (one row per claim: its verdict, family, level, the seeds it would take) and
comparisons.csv (every comparison behind the claims: its interval at the claim's level against
zero and the margin, its simultaneous interval at the level over the claim's comparisons, and
what it says).

Which interval decides (docs/statistics.md): support of an "all" claim reads each comparison's
interval at the claim's level (intersection-union), its contradiction the simultaneous one (one
comparison suffices: Bonferroni over the claim's m); an "any" claim the mirror image."""
from __future__ import annotations

import numpy as np
import pandas as pd

from nasdqn.analysis import decision, stats
from nasdqn.analysis.decision import Evaluation, Tested
from nasdqn.analysis.registry import AccelerationFactor, MeanDifference
from nasdqn.analysis.tables import Analysis

CLAIM_COLUMNS = [
    "claim", "where", "words", "kind", "verdict", "family", "source", "level", "decision_p", "test", "measured", "margin",
    "effect", "reading", "decisive_pair", "key_effect", "seeds_needed", "seeds_observed", "note",
]
# support_low / support_high: where the comparison's interval must lie to support its claim, on the
# effect's own scale (log for ratios) oriented so that the claimed direction is positive; margin_value:
# the margin on that scale.
COMPARISON_COLUMNS = [
    "claim", "family", "metric", "kind", "better", "than", "test", "value_better", "value_than", "estimate", "ci_low", "ci_high",
    "confidence", "simultaneous_low", "simultaneous_high", "simultaneous_confidence", "margin", "margin_value", "support_low",
    "support_high", "p", "p_support", "p_contradict", "reading", "says", "permutation_p", "seeds_needed", "seeds_observed",
    "comparison",
]


def evaluate_claims(per_run: pd.DataFrame, a: Analysis) -> list[Evaluation]:
    present = [x for x in a.agents if x in set(per_run["agent"])]
    oracle = tuple(x for x in a.oracle if x in present)
    return decision.evaluate_all(a.samples(per_run), a.roles, present, a.decision, oracle=oracle)


def _fmt(x: float, digits: int = 3) -> str:
    if x is None or not np.isfinite(x):
        return "inf" if x == np.inf else ("-inf" if x == -np.inf else "n/a")
    return f"{x:.{digits}g}"


def natural(t: Tested, x: float) -> float:
    """An effect or interval end as the tables show it (a ratio for log-scale metrics)."""
    return float(np.exp(x)) if t.metric.log_scale else float(x)


def view(t: Tested, level: float) -> dict:
    """The comparison's interval at two-sided `level` (the claim's level / its comparisons), raw
    and oriented, with the reading of where it lies."""
    low, high = (float(v[0]) for v in t.fit.interval(level))
    olow, ohigh = (float(v[0]) for v in t.oriented_interval(level))
    return {"estimate": natural(t, float(t.fit.estimate[0])), "ci_low": natural(t, low), "ci_high": natural(t, high),
            "reading": reading(t, olow, ohigh)}


def one_sample(t: Tested) -> bool:
    """A one-sample comparison of an agent's runs with a constant of its own metric (drawdown within
    the margin: "maintains it"), not with another agent."""
    return t.metric.method.one_sample and t.than == t.better


def pair_text(t: Tested, a: Analysis) -> str:
    """'A vs B', or 'A: drawdown (one sample)' for a comparison of one agent's runs with a constant."""
    if one_sample(t):
        return f"{a.label(t.better)}: {t.metric.name} (one sample)"
    return f"{a.label(t.better)} vs {a.label(t.than)}"


def reading(t: Tested, low: float, high: float) -> str:
    return t.judgement.reading(low, high, t.margin)


def says(t: Tested, ends: tuple[float, float]) -> str:
    """What the comparison says at its claim's end levels (support, contradiction)."""
    if t.p_contradict[0] <= ends[1]:
        return "contradicts"
    return "supports" if t.p_support[0] <= ends[0] else "undecided"


def pair_levels(ev: Evaluation) -> tuple[float, float]:
    """The two-sided levels of the intervals support and contradiction read (Evaluation.splits)."""
    sup, con = ev.splits
    return float(ev.level[0]) / sup, float(ev.level[0]) / con


def measured(t: Tested, a: Analysis) -> str:
    vb, vt = float(t.fit.value_a[0]), float(t.fit.value_b[0])
    if t.metric.method.one_sample:
        other = f" vs {a.label(t.than)} {_fmt(vt, 3)}" if t.than in decision.LABELS else ""
        return f"{a.label(t.better)} {_fmt(vb, 4)}{other}"
    unit = f" {a.unit} (restricted mean)" if isinstance(t.metric.method, AccelerationFactor) else ""
    return f"{a.label(t.better)} {_fmt(vb, 4)} vs {a.label(t.than)} {_fmt(vt, 4)}{unit}"


def margin_text(t: Tested, a: Analysis) -> str:
    j = t.judgement
    if j.kind == "about":
        return f"factor in [{_fmt(np.exp(j.support_low))}, {_fmt(np.exp(j.support_high))}]"
    return a.decision.margin_text(t.metric.scale)


def _decisive(ev: Evaluation) -> Tested:
    """The comparison that decides the verdict: the strongest contradiction if there is one, else
    the weakest link of support ("all") or the strongest support ("any")."""
    if ev.verdict[0] == "contradicted":
        return min(ev.pairs, key=lambda t: float(t.p_contradict[0]))
    pick = max if ev.claim.quantifier == "all" else min
    return pick(ev.pairs, key=lambda t: float(t.p_support[0]))


def planning_level(ev: Evaluation, sizes: dict[str, int], alpha: float) -> float:
    """The level the seeds it would take are computed at: alpha / K for a corrected family of K claims
    (Holm's strictest step, and a timed claim's Bonferroni share), alpha for an exploratory claim."""
    return alpha if ev.family == "exploratory" else alpha / max(sizes[ev.family], 1)


def _seeds_text(n: int | None, a: Analysis) -> str:
    return str(n) if n is not None else f"more than {a.decision.max_seeds}"


def claim_row(ev: Evaluation, a: Analysis, sizes: dict[str, int]) -> dict:
    c = ev.claim
    row = {"claim": c.id, "where": c.where, "words": c.words, "kind": c.kind, "verdict": str(ev.verdict[0]), "family": ev.family,
           "source": c.source}
    if ev.missing:
        return {**row, "note": ev.missing}
    level = float(ev.level[0])
    views = [view(t, level) for t in ev.pairs]
    decisive = _decisive(ev)
    sup_level, con_level = pair_levels(ev)
    key = view(decisive, con_level if ev.verdict[0] == "contradicted" else sup_level)
    plan = planning_level(ev, sizes, a.decision.alpha)
    row.update(
        level=level, decision_p=float(ev.decision_p[0]), test=", ".join(dict.fromkeys(t.fit.test for t in ev.pairs)),
        measured="; ".join(measured(t, a) for t in ev.pairs),
        margin="; ".join(dict.fromkeys(margin_text(t, a) for t in ev.pairs)),
        effect="; ".join(f"{_fmt(v['estimate'])} [{_fmt(v['ci_low'])}, {_fmt(v['ci_high'])}]" for v in views),
        reading="; ".join(f"{pair_text(t, a)}: {v['reading']}" for t, v in zip(ev.pairs, views)),
        decisive_pair=pair_text(decisive, a),
        key_effect=f"{_fmt(key['estimate'])} [{_fmt(key['ci_low'])}, {_fmt(key['ci_high'])}]",
        seeds_needed=_seeds_text(decision.seeds_to_decide(ev, a.decision, plan), a),
        seeds_observed=_seeds_text(decision.seeds_to_decide(ev, a.decision, plan, observed=True), a),
        note="; ".join(x for x in (ev.left_family, ev.undecidable) if x),
    )
    return row


def claim_rows(evals: list[Evaluation], a: Analysis, n_seeds: int | None = None) -> pd.DataFrame:
    sizes = decision.family_sizes(evals)
    return pd.DataFrame([claim_row(ev, a, sizes) for ev in evals], columns=CLAIM_COLUMNS)


def _permutation_p(t: Tested, per_run: pd.DataFrame) -> float:
    """The exact permutation p of a difference of means, beside Welch's (descriptive)."""
    method = t.metric.method
    if not isinstance(method, MeanDifference) or method.log or "+" in t.than or t.than in decision.LABELS:
        return float("nan")
    col = t.metric.column
    x, y = (per_run.loc[per_run["agent"] == g, col].to_numpy(float) for g in (t.better, t.than))
    return float(stats.permutation_p(np.concatenate([x, y])[None], x.size)[0]) if x.size > 1 and y.size > 1 else float("nan")


def comparison_rows(evals: list[Evaluation], per_run: pd.DataFrame, a: Analysis, n_seeds: int | None = None) -> pd.DataFrame:
    """Every comparison behind every claim, at its claim's level."""
    sizes = decision.family_sizes(evals)
    rows = []
    for ev in evals:
        plan = planning_level(ev, sizes, a.decision.alpha)
        level, m = float(ev.level[0]), len(ev.pairs)
        sup_level, con_level = pair_levels(ev)
        for t in ev.pairs:
            v, joint = view(t, level), view(t, level / m)
            alone = Evaluation(ev.claim, [t], t.p_support, t.p_contradict)
            p0 = 2 * min(float(t.fit.p_above(0.0)[0]), float(t.fit.p_below(0.0)[0]))
            rows.append({
                "claim": ev.claim.id, "family": ev.family, "metric": t.comparison.metric, "kind": t.judgement.kind,
                "better": t.better, "than": "" if one_sample(t) else t.than, "test": t.fit.test, "value_better": float(t.fit.value_a[0]),
                "value_than": float(t.fit.value_b[0]), "estimate": v["estimate"], "ci_low": v["ci_low"], "ci_high": v["ci_high"],
                "confidence": 1 - level, "simultaneous_low": joint["ci_low"], "simultaneous_high": joint["ci_high"],
                "simultaneous_confidence": 1 - level / m, "margin": margin_text(t, a), "margin_value": t.margin,
                "support_low": t.judgement.support_low, "support_high": t.judgement.support_high, "p": min(p0, 1.0), "p_support": float(t.p_support[0]),
                "p_contradict": float(t.p_contradict[0]), "reading": v["reading"], "says": says(t, (sup_level / 2, con_level / 2)),
                "permutation_p": _permutation_p(t, per_run),
                "seeds_needed": _seeds_text(decision.seeds_to_decide(alone, a.decision, plan / ev.splits[0]), a),
                "seeds_observed": _seeds_text(decision.seeds_to_decide(alone, a.decision, plan / ev.splits[0], observed=True), a),
                "comparison": ":".join(t.key[:2] + (("",) if one_sample(t) else t.key[2:])),
            })
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
