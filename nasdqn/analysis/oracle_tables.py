"""The oracle's tables: oracle_ranking.csv (the 27 architectures ranked with intervals) and
oracle.csv (the variance share, the median and the best architecture, the top 5).
Both are written, with their header only, in a study without the oracle."""
from __future__ import annotations

import numpy as np
import pandas as pd

from nasdqn.analysis import oracle, oracle_model, variance_share
from nasdqn.analysis.tables import Analysis
from nasdqn.settings.space import Architecture

RANKING_COLUMNS = ["rank", "agent", "label", "architecture", "n_runs", "mean", "ci_low", "ci_high", "rank_low", "rank_high", "top5"]
ORACLE_COLUMNS = ["quantity", "value", "ci_low", "ci_high", "detail"]
NEAR_ZERO = 0.05  # a variance share whose upper end is below this: architecture explains next to nothing


def oracle_values(per_run: pd.DataFrame, a: Analysis, column: str = "final_performance") -> dict[str, np.ndarray]:
    """The oracle agents present, in search-space order, with their runs' values (by seed)."""
    present = set(per_run["agent"])
    return {x: per_run[per_run["agent"] == x].sort_values("seed")[column].to_numpy(float) for x in a.oracle if x in present}


def architecture_name(a: Analysis, agent: str) -> str:
    spec = a.fixed.get(agent)
    return Architecture(**spec).name if spec else agent


def top_names(per_run: pd.DataFrame, a: Analysis) -> set[str]:
    """The architecture names (as architectures.csv spells them) of the oracle's top 5."""
    return {architecture_name(a, x) for x in oracle.top_architectures(oracle_values(per_run, a))}


def ranking_table(per_run: pd.DataFrame, a: Analysis) -> pd.DataFrame:
    values = oracle_values(per_run, a)
    if len(values) < 2 or min(v.size for v in values.values()) < 2:
        return pd.DataFrame(columns=RANKING_COLUMNS)
    top = set(oracle.top_architectures(values))
    rows = [{"rank": r.rank, "agent": r.agent, "label": a.label(r.agent), "architecture": architecture_name(a, r.agent),
             "n_runs": r.n, "mean": r.mean, "ci_low": r.ci_low, "ci_high": r.ci_high, "rank_low": r.rank_low,
             "rank_high": r.rank_high, "top5": r.agent in top} for r in oracle.ranking(values, a.decision.alpha)]
    return pd.DataFrame(rows, columns=RANKING_COLUMNS)


def architecture_rows(values: dict[str, np.ndarray], a: Analysis) -> list[dict]:
    """The median and the best architecture's mean, each with the projection of the 27 means'
    simultaneous (Bonferroni) t intervals at alpha: the two hold together, and the best's interval
    covers whichever architecture is truly best (oracle_model.py)."""
    stack = np.stack(list(values.values()))
    low, high = oracle_model.box(stack, a.decision.alpha, a.decision.return_range)
    means = stack.mean(axis=1)
    names = list(values)
    median = float(np.median(means))
    nearest, best = names[int(np.argmin(np.abs(means - median)))], names[int(np.argmax(means))]
    together = "simultaneous t intervals of the architectures' means (Bonferroni), projected"
    return [{"quantity": "median_architecture", "value": median, "ci_low": float(np.median(low)), "ci_high": float(np.median(high)),
             "detail": f"median of the {len(values)} architectures' mean final performance (nearest: {a.label(nearest)}); {together}"},
            {"quantity": "best_architecture", "value": float(means.max()), "ci_low": float(low.max()), "ci_high": float(high.max()),
             "detail": f"{a.label(best)}: the highest mean (as an estimate of the best's mean it is biased upwards, the winner's "
                       f"curse; the interval is not: it covers the best architecture's mean whichever it is); {together}"}]


def oracle_table(per_run: pd.DataFrame, a: Analysis) -> pd.DataFrame:
    values = oracle_values(per_run, a)
    if len(values) < 2 or min(v.size for v in values.values()) < 2:
        return pd.DataFrame(columns=ORACLE_COLUMNS)
    est, low, high = variance_share.variance_share(values, a.decision.alpha)
    near_zero = high < NEAR_ZERO
    rows = [{"quantity": "variance_share", "value": est, "ci_low": low, "ci_high": high,
             "detail": "omega-squared: the share of the variance of final performance the architecture explains "
                       "(parametric-bootstrap interval, each architecture with its own spread)"
                       + ("; near zero: architecture search cannot help on this task" if near_zero else "")},
            *architecture_rows(values, a)]
    top = oracle.top_architectures(values)
    rows.append({"quantity": "top5", "value": len(top) / len(values), "ci_low": np.nan, "ci_high": np.nan,
                 "detail": "; ".join(a.label(x) for x in top) + " (a uniform search lands in them with probability 5/27)"})
    return pd.DataFrame(rows, columns=ORACLE_COLUMNS)
