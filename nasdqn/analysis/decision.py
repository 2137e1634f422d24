"""The decision rule applied: every comparison of a claim fitted, judged on one interval against
zero and the margin, combined into the claim's verdict, the families' levels assigned (Holm across
the primary claims and across the oracle's questions), and what the seeds can and cannot decide.

Everything is vectorised over a leading axis of studies, so tests/test_claims.py checks the rule
by simulation with this very code (docs/statistics.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nasdqn.analysis import effects
from nasdqn.analysis.claims import BEST_ARCH, CLAIMS, MEDIAN_ARCH, OTHERS, RANDOM_CONTROLS, UNIFORM, Claim, Comparison
from nasdqn.analysis.judgements import Judgement, judgement
from nasdqn.analysis.margins import DecisionSettings
from nasdqn.analysis.metrics import TIMED_COLUMNS
from nasdqn.analysis.registry import METRICS, Context, Metric
from nasdqn.analysis.samples import POOL, Samples

LABELS = {MEDIAN_ARCH: "the median architecture", BEST_ARCH: "the best architecture in hindsight", UNIFORM: "uniform search"}


def _configured(role: str, roles: dict, agents: list[str]) -> list[str]:
    value = roles.get(role)
    if value is None:
        return []
    names = [value] if isinstance(value, str) else list(value)
    return list(dict.fromkeys(a for a in names if a in agents))


# pseudo-role -> the agents (or pseudo-agents) it stands for, given (roles, agents, oracle)
PSEUDO_ROLES = {
    OTHERS: lambda roles, agents, oracle: [a for a in agents if a != roles.get("reference") and a not in oracle],
    RANDOM_CONTROLS: lambda roles, agents, oracle: [a for r in ("random_search", "matched_random") for a in _configured(r, roles, agents)],
    MEDIAN_ARCH: lambda roles, agents, oracle: [MEDIAN_ARCH] if oracle else [],
    BEST_ARCH: lambda roles, agents, oracle: [BEST_ARCH] if oracle else [],
    UNIFORM: lambda roles, agents, oracle: [UNIFORM],
}


def resolve(role: str, roles: dict, agents: list[str], oracle: tuple[str, ...] = ()) -> list[str]:
    """The agents that play `role` (empty when the config leaves it unset)."""
    pseudo = PSEUDO_ROLES.get(role)
    return pseudo(roles, agents, oracle) if pseudo else _configured(role, roles, agents)


def pairs_of(claim: Claim, roles: dict, agents: list[str], oracle: tuple[str, ...] = ()) -> list[tuple[Comparison, str, str]]:
    out = []
    for comp in claim.comparisons:
        one_sample = METRICS[comp.metric].method.one_sample
        for a in resolve(comp.better, roles, agents, oracle):
            thans = [b for b in resolve(comp.than, roles, agents, oracle) if b != a or one_sample]
            if comp.pooled and thans:
                out.append((comp, a, POOL.join(thans)))
            else:
                out += [(comp, a, b) for b in thans]
    return out


@dataclass
class Tested:
    """One comparison of a claim: the fit, its judgement and the two decision p-values (the level
    at which its interval reaches the support region / a contradiction region), per study."""

    comparison: Comparison
    better: str
    than: str
    metric: Metric
    judgement: Judgement
    margin: float
    fit: effects.Fit
    p_support: np.ndarray
    p_contradict: np.ndarray

    def oriented_p(self, side: str, b: float) -> np.ndarray:
        """p-values of the effect oriented so that the claimed direction is positive."""
        f = self.fit
        if self.metric.sign > 0:
            return f.p_above(b) if side == "above" else f.p_below(b)
        return f.p_below(-b) if side == "above" else f.p_above(-b)

    def oriented_interval(self, level: float) -> tuple[np.ndarray, np.ndarray]:
        low, high = self.fit.interval(level)
        return (low, high) if self.metric.sign > 0 else (-high, -low)

    @property
    def oriented_estimate(self) -> np.ndarray:
        return self.metric.sign * self.fit.estimate

    @property
    def key(self) -> tuple[str, str, str]:
        """The comparison itself, whichever claims share it (tallies count it once)."""
        return (self.comparison.metric, self.better, self.than)


@dataclass
class Evaluation:
    claim: Claim
    pairs: list[Tested]
    p_support: np.ndarray = field(default_factory=lambda: np.ones(1))  # claim level, in alpha units
    p_contradict: np.ndarray = field(default_factory=lambda: np.ones(1))
    level: np.ndarray = field(default_factory=lambda: np.ones(1))  # the level the family gives the claim
    verdict: np.ndarray = field(default_factory=lambda: np.array(["not tested"]))
    missing: str = ""  # why the claim could not be tested with this config
    undecidable: str = ""  # why no outcome at these seeds could decide it
    left_family: str = ""  # why the claim left its corrected family (one_comparison_once)

    @property
    def family(self) -> str:
        """The family the claim is judged in: its own, or exploratory when it left it."""
        return "exploratory" if self.left_family else self.claim.family

    @property
    def decision_p(self) -> np.ndarray:
        """The smallest level at which the claim reaches a verdict, either way."""
        return np.minimum(np.minimum(self.p_support, self.p_contradict), 1.0)

    @property
    def splits(self) -> tuple[int, int]:
        """How many pairs the support side and the contradiction side split their level over: the
        side that needs every pair, none (intersection-union); the side one pair suffices for, all
        m pairs (Bonferroni). "all": (1, m); "any": (m, 1)."""
        return split_of(self.claim.quantifier, len(self.pairs))

    @property
    def end_levels(self) -> tuple[np.ndarray, np.ndarray]:
        """The level of one end of a comparison's interval that support and contradiction read:
        the claim's level / (2 x that side's split)."""
        sup, con = self.splits
        return self.level / (2 * sup), self.level / (2 * con)


def split_of(quantifier: str, m: int) -> tuple[int, int]:
    """(support split, contradiction split) of a claim with m comparisons (Evaluation.splits)."""
    m = max(m, 1)
    return (1, m) if quantifier == "all" else (m, 1)


def claim_p(pair_p: np.ndarray, every: bool) -> np.ndarray:
    """One side's claim-level p from its pairs' one-sided p-values (studies, m), on the scale of the
    claim's level (each end of an interval at level / 2): when every pair must clear, the
    intersection-union test (Berger, 1982): 2 max p_i, no split over the pairs; when one pair
    suffices, the union: 2 m min p_i (Bonferroni)."""
    m = pair_p.shape[1]
    return np.minimum(2 * pair_p.max(axis=1), 1.0) if every else np.minimum(2 * m * pair_p.min(axis=1), 1.0)


def fit_pair(comp: Comparison, a: str, b: str, data: Samples, ctx: Context) -> Tested:
    metric = METRICS[comp.metric]
    d = ctx.decision
    delta = d.margin(metric.scale)
    j = judgement(comp.kind, delta, comp.factor, d.factor_tolerance)
    fit = metric.method.fit(data, metric.column_for(data), a, b, ctx)
    t = Tested(comp, a, b, metric, j, delta, fit, np.ones(1), np.ones(1))
    t.p_support = j.p_support(lambda x: t.oriented_p("above", x), lambda x: t.oriented_p("below", x))
    t.p_contradict = j.p_contradict(lambda x: t.oriented_p("above", x), lambda x: t.oriented_p("below", x))
    return t


def _missing(claim: Claim, pairs, data: Samples, ctx: Context) -> str:
    if any(METRICS[c.metric].needs_oracle for c in claim.comparisons) and not ctx.oracle:
        return "the study has no oracle (protocol.oracle: false): the 27 architectures were not trained as fixed agents"
    if not pairs:
        roles = sorted({r for c in claim.comparisons for r in (c.better, c.than)})
        return f"the config sets no agent for role(s) {', '.join(roles)}"
    for comp, a, b in pairs:
        metric = METRICS[comp.metric]
        column = metric.column_for(data)
        groups = [a] + ([] if metric.method.one_sample or b in LABELS else [b])
        if not all(data.has(column, g) for g in groups):
            return f"no per-run column {column!r} for {', '.join(groups)}"
    if claim.column == "train_seconds" and "runs_in_job" in data.columns:
        agents = {x for _, a, b in pairs for g in (a, b) for x in g.split(POOL)}
        if any((data.get("runs_in_job", x) > 1).any() for x in agents if x in data.columns["runs_in_job"]):
            return "runs shared processes (protocol.runs_per_job > 1), so no run has a wall time of its own; rerun with runs_per_job: 1"
    return ""


def evaluate(claim: Claim, data: Samples, roles: dict, agents: list[str], ctx: Context) -> Evaluation:
    """Fit and judge every comparison of one claim; the level comes later (assign_levels)."""
    pairs = pairs_of(claim, roles, agents, ctx.oracle)
    missing = _missing(claim, pairs, data, ctx)
    if missing:
        return Evaluation(claim, [], missing=missing)
    try:
        tested = [fit_pair(c, a, b, data, ctx) for c, a, b in pairs]
    except ValueError as exc:  # e.g. too few runs for the comparisons with the oracle's architectures
        return Evaluation(claim, [], missing=str(exc))
    sup = np.stack([t.p_support for t in tested], axis=1)
    con = np.stack([t.p_contradict for t in tested], axis=1)
    every = claim.quantifier == "all"  # "all": supported when every pair is, contradicted when one is; "any": the mirror
    ev = Evaluation(claim, tested, claim_p(sup, every), claim_p(con, not every))
    ev.undecidable = undecidable(ev, ctx.decision.alpha)
    return ev


def undecidable(ev: Evaluation, alpha: float) -> str:
    """Why no outcome of these tests at these sample sizes could decide the claim even at the most
    favourable level (alpha), or "" when some outcome could. Each side's end level is alpha / (2 x
    its split): support of an "all" claim needs no split (intersection-union), its contradiction
    splits over the m pairs."""
    split_sup, split_con = split_of(ev.claim.quantifier, len(ev.pairs))

    def can(t: Tested, ends, end: float) -> bool:
        flip = {"above": "below", "below": "above"}
        raw = [(side, b) if t.metric.sign > 0 else (flip[side], -b) for side, b in ends]
        return all(t.fit.min_p(side, b) <= end for side, b in raw)  # type: ignore[arg-type]

    sup = [can(t, t.judgement.support_ends(), alpha / (2 * split_sup)) for t in ev.pairs]
    con = [any(can(t, [e], alpha / (2 * split_con)) for e in t.judgement.contradiction_ends()) for t in ev.pairs]
    reachable = (all(sup) or any(con)) if ev.claim.quantifier == "all" else (any(sup) or all(con))
    if reachable:
        return ""
    reason = next((t.fit.floor_reason() for t in ev.pairs if t.fit.floor_reason()), "no outcome reaches the level")
    ends = sorted({split_sup, split_con})
    return f"{reason}, above " + " and ".join(f"alpha / (2 x {k}) = {alpha / (2 * k):.3g}" for k in ends)


# ----- families and verdicts -------------------------------------------------------------------------
def holm_levels(decision_p: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Holm's step-down over a family of claims, per study: decision_p (studies, K) -> (each
    claim's level alpha / (K - its rank), whether the step-down reached and passed it)."""
    s, k = decision_p.shape
    order = np.argsort(decision_p, axis=1, kind="stable")
    steps = alpha / (k - np.arange(k))
    passed_sorted = np.cumprod(np.take_along_axis(decision_p, order, axis=1) <= steps, axis=1).astype(bool)
    level, passed = np.empty((s, k)), np.empty((s, k), dtype=bool)
    np.put_along_axis(level, order, np.broadcast_to(steps, (s, k)), axis=1)
    np.put_along_axis(passed, order, passed_sorted, axis=1)
    return level, passed


def verdicts(ev: Evaluation, level: np.ndarray, decided: np.ndarray) -> np.ndarray:
    """Contradicted, supported, or neither (inconclusive; not decidable when no outcome could be)."""
    contra = decided & (ev.p_contradict <= level)
    support = decided & ~contra & (ev.p_support <= level)
    undecided = "not decidable" if ev.undecidable else "inconclusive"
    return np.where(contra, "contradicted", np.where(support, "supported", undecided))


CORRECTED = ("primary", "oracle")  # the families whose claims are corrected together


def one_comparison_once(evals: list[Evaluation]) -> None:
    """Each distinct comparison (metric, agent, agent) once per corrected family: a claim that reuses
    a comparison an earlier claim of its family holds (the same runs, the same effect; read perhaps
    against another region, as "substantially" reads "better"'s) adds no evidence the family has not
    counted, so it leaves the family and is judged at alpha on its own, as an exploratory claim, with
    the reason (docs/statistics.md). Decided by the claims and the config's roles, never the data."""
    for family in CORRECTED:
        held: dict[tuple[str, str, str], str] = {}
        for e in (e for e in evals if e.claim.family == family):
            reused = sorted({held[t.key] for t in e.pairs if t.key in held})
            if reused:
                e.left_family = (f"its comparisons are already in the {family} family ({', '.join(reused)}): it left the "
                                 "family and is judged on its own at alpha (each distinct comparison once per family)")
            else:
                held.update((t.key, e.claim.id) for t in e.pairs)


def tests_of(defined: list[Evaluation]) -> list[list[Evaluation]]:
    """A family's tests: each claim on its own, but claims read off one joint confidence set (the
    same non-empty Claim.joint) are one test with one level: the set covers with probability
    1 - level, and then none of their verdicts is wrong (docs/statistics.md)."""
    units: dict[str, list[Evaluation]] = {}
    for e in defined:
        units.setdefault(e.claim.joint or f"claim:{e.claim.id}", []).append(e)
    return list(units.values())


def family_sizes(evals: list[Evaluation]) -> dict[str, int]:
    """Tests per family after one_comparison_once, tested or not (assign_levels counts them so)."""
    return {f: len(tests_of([e for e in evals if e.family == f])) for f in (*CORRECTED, "exploratory")}


def _judge(units: list[list[Evaluation]], level: np.ndarray, passed: np.ndarray) -> None:
    for k, unit in enumerate(units):
        for e in (e for e in unit if not e.missing):
            e.level = level[:, k]
            e.verdict = verdicts(e, e.level, passed[:, k])


def _unit_p(unit: list[Evaluation], shape: tuple[int, ...]) -> np.ndarray:
    """A test's decision p: the smallest level at which one of its claims reaches a verdict."""
    return np.min([np.ones(shape) if e.missing else e.decision_p for e in unit], axis=0)


def assign_levels(evals: list[Evaluation], alpha: float) -> None:
    """Give every tested claim its family's level and its verdict: alpha for each exploratory claim
    (and each claim that left its family, one_comparison_once); in the primary family and the
    oracle's, fixed in advance with K tests (tests_of; tested or not), a test about wall time gets
    alpha / K (Bonferroni) and the others Holm's step-down at alpha (K - T) / K, T the tests about
    wall time. A clock's noise then never moves another claim's level, so the tables are the same
    bytes on rerun; a claim not tested counts as p = 1 (the family stays the one fixed in advance,
    whichever claims this config can test)."""
    one_comparison_once(evals)
    for e in (e for e in evals if e.family == "exploratory" and not e.missing):
        e.level = np.full(e.decision_p.shape, alpha)
        e.verdict = verdicts(e, e.level, e.decision_p <= alpha)
    for family in CORRECTED:
        units = tests_of([e for e in evals if e.family == family])
        tested = [e for u in units for e in u if not e.missing]
        if not tested:
            continue
        shape = tested[0].decision_p.shape
        timed = [u for u in units if u[0].claim.column in TIMED_COLUMNS]
        untimed = [u for u in units if u[0].claim.column not in TIMED_COLUMNS]
        if timed:
            level = np.full((shape[0], len(timed)), alpha / len(units))
            _judge(timed, level, np.stack([_unit_p(u, shape) for u in timed], axis=1) <= level)
        if untimed:
            p = np.stack([_unit_p(u, shape) for u in untimed], axis=1)
            _judge(untimed, *holm_levels(p, alpha * len(untimed) / len(units)))


def evaluate_all(data: Samples, roles: dict, agents: list[str], d: DecisionSettings, claims: tuple[Claim, ...] = CLAIMS,
                 oracle: tuple[str, ...] = ()) -> list[Evaluation]:
    """Every claim judged on every study of `data`, each at its family's level."""
    ctx = Context(d, tuple(oracle), max((data.n_seeds(a) for a in agents if a in next(iter(data.columns.values()))), default=0))
    evals = [evaluate(c, data, roles, agents, ctx) for c in claims]
    assign_levels(evals, d.alpha)
    return evals


# ----- the seeds it would take ---------------------------------------------------------------------
def _end_power(t: Tested, n: np.ndarray, truth: float, side: str, b: float, level: float) -> np.ndarray:
    """Power of one end's one-sided test when the oriented effect is `truth` (0 where the truth
    lies on the wrong side of the boundary: that end cannot be cleared)."""
    if not np.isfinite(truth) or (side == "above" and truth <= b) or (side == "below" and truth >= b):
        return np.zeros_like(n, dtype=np.float64)
    return t.fit.power(n, t.metric.sign * truth, t.metric.sign * b, level)


def _support_power(t: Tested, n: np.ndarray, truth: float, level: float) -> np.ndarray:
    misses = sum(1 - _end_power(t, n, truth, side, b, level) for side, b in t.judgement.support_ends())
    return np.clip(1 - misses, 0.0, 1.0)


def _contradiction_power(t: Tested, n: np.ndarray, truth: float, level: float) -> np.ndarray:
    ends = t.judgement.contradiction_ends()
    return np.max([_end_power(t, n, truth, side, b, level) for side, b in ends], axis=0)


def _combine(powers: list[np.ndarray], every: bool) -> np.ndarray:
    """Every comparison must succeed (union bound on the misses) or one must (the best of them)."""
    return np.clip(1 - sum(1 - p for p in powers), 0, 1) if every else np.max(powers, axis=0)


def seeds_to_decide(ev: Evaluation, d: DecisionSettings, claim_level: float, observed: bool = False) -> int | None:
    """Seeds per agent at which the claim would be decided with power d.power.

    observed=False: supported, if every comparison's true effect were the claim's stated effect
    (the margin for "better", twice it for "substantially", the claimed factor, 0 for "comparable"
    and "not worse"). observed=True: in the direction the observed effects point, if they were the
    truth (a planning figure from few seeds, labelled as such). Each end of each interval is at
    claim_level / (2 x that side's split) (Evaluation.splits); the claim's power is bounded from
    below by the union bound. None: more than d.max_seeds.
    """
    if not ev.pairs:
        return None
    n = np.arange(2, d.max_seeds + 1)
    split_sup, split_con = split_of(ev.claim.quantifier, len(ev.pairs))
    every = ev.claim.quantifier == "all"
    truths = [float(t.oriented_estimate[0]) if observed else t.judgement.stated for t in ev.pairs]
    supports = [t.judgement.support_low <= x <= t.judgement.support_high for t, x in zip(ev.pairs, truths)]
    if not observed or (all(supports) if every else any(supports)):
        power = _combine([_support_power(t, n, x, claim_level / (2 * split_sup)) for t, x in zip(ev.pairs, truths)], every)
    else:
        against = [(t, x) for t, x, s in zip(ev.pairs, truths, supports) if not s]
        power = _combine([_contradiction_power(t, n, x, claim_level / (2 * split_con)) for t, x in against], not every)
    hits = np.flatnonzero(power >= d.power)
    return int(n[hits[0]]) if hits.size else None
