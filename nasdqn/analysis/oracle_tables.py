"""The oracle's tables: oracle_ranking.csv (the 27 architectures ranked with intervals) and
oracle.csv (the variance share, the median and the best architecture in hindsight, the top 5).
Both are written, with their header only, in a study without the oracle."""
from __future__ import annotations

import numpy as np
import pandas as pd

from nasdqn.analysis import oracle, stats
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


def _median_row(values: dict[str, np.ndarray], a: Analysis) -> dict:
    d = a.decision
    rng = np.random.default_rng([d.bootstrap_seed, 14])
    stack = np.stack(list(values.values()))
    pick = rng.integers(0, stack.shape[1], (min(d.bootstrap_samples, 4000), *stack.shape))
    draws = np.median(np.take_along_axis(np.broadcast_to(stack, pick.shape), pick, axis=2).mean(axis=2), axis=1)
    low, high = np.percentile(draws, [100 * d.alpha / 2, 100 * (1 - d.alpha / 2)])
    means = {k: float(np.mean(v)) for k, v in values.items()}
    median = float(np.median(list(means.values())))
    nearest = min(means, key=lambda k: abs(means[k] - median))
    return {"quantity": "median_architecture", "value": median, "ci_low": float(low), "ci_high": float(high),
            "detail": f"median of the {len(values)} architectures' mean final performance (nearest: {a.label(nearest)}); "
                      "stratified-bootstrap interval"}


def _best_rows(per_run: pd.DataFrame, values: dict[str, np.ndarray], a: Analysis) -> list[dict]:
    by_seed = {x: dict(zip(per_run[per_run["agent"] == x]["seed"].astype(int), per_run[per_run["agent"] == x]["final_performance"]))
               for x in values}
    naive = max(values, key=lambda k: float(np.mean(values[k])))
    rows = [{"quantity": "best_naive", "value": float(np.mean(values[naive])), "ci_low": np.nan, "ci_high": np.nan,
             "detail": f"{a.label(naive)}: the highest mean on all seeds; biased upwards (winner's curse), shown for comparison only"}]
    found = oracle.best_in_hindsight(by_seed)
    if found is None:
        return rows
    best, select, estimate = found
    held = np.array([by_seed[best][s] for s in estimate])
    mean, low, high = stats.mean_interval(held, a.decision.alpha)
    return [{"quantity": "best_in_hindsight", "value": float(mean[0]), "ci_low": float(low[0]), "ci_high": float(high[0]),
             "detail": f"{a.label(best)}: selected on seeds {', '.join(map(str, select))}, estimated on seeds "
                       f"{', '.join(map(str, estimate))} (no winner's curse)"}] + rows


def oracle_table(per_run: pd.DataFrame, a: Analysis) -> pd.DataFrame:
    values = oracle_values(per_run, a)
    if len(values) < 2 or min(v.size for v in values.values()) < 2:
        return pd.DataFrame(columns=ORACLE_COLUMNS)
    est, low, high = oracle.variance_share(values, a.decision.alpha)
    near_zero = high < NEAR_ZERO
    rows = [{"quantity": "variance_share", "value": est, "ci_low": low, "ci_high": high,
             "detail": "omega-squared: the share of the variance of final performance the architecture explains "
                       "(noncentral-F interval)" + ("; near zero: architecture search cannot help on this task" if near_zero else "")},
            _median_row(values, a), *_best_rows(per_run, values, a)]
    top = oracle.top_architectures(values)
    rows.append({"quantity": "top5", "value": len(top) / len(values), "ci_low": np.nan, "ci_high": np.nan,
                 "detail": "; ".join(a.label(x) for x in top) + " (a uniform search lands in them with probability 5/27)"})
    return pd.DataFrame(rows, columns=ORACLE_COLUMNS)
