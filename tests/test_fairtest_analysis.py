"""The fair test's analysis (nasdqn/analysis/fairtest.py), checked by simulation: identical agents
are rarely called different, true differences of the margin are detected at the planned seeds,
and the oracle's baselines are built as pre-registered."""
import numpy as np
import pandas as pd
import pytest

from nasdqn.analysis.fairtest import TaskStudy, answer, oracle_baselines, seeds_needed

ARCHS = [f"arch_{k}" for k in range(27)]


def study(rng: np.random.Generator, seeds: int, nas_shift: float, sd: float = 25.0, margin: float = 25.0, task: str = "t") -> TaskStudy:
    """Runs whose seed effect is shared by every agent (common random numbers), plus noise."""
    seed_effect = rng.normal(0, 40, seeds)
    readings = {}
    for r in ("reinit", "grow"):
        rows = []
        for agent, shift in (("nas_dqn", nas_shift), ("yoked", 0.0), ("random_nas", -10.0)):
            rows += [{"agent": agent, "seed": s, "greedy_final": 100 + shift + seed_effect[s] + rng.normal(0, sd)} for s in range(seeds)]
        readings[r] = pd.DataFrame(rows)
    oracle = pd.DataFrame([{"agent": a, "seed": s, "greedy_final": 100 + k + seed_effect[s] + rng.normal(0, sd)}
                           for k, a in enumerate(ARCHS) for s in range(min(seeds, 10))])
    return TaskStudy(task, margin, readings, oracle)


def primary_verdicts(shift: float, seeds: int, trials: int, sd: float) -> pd.Series:
    rng = np.random.default_rng(1)
    out = []
    for _ in range(trials):
        a = answer([study(rng, seeds, shift, sd, task="a"), study(rng, seeds, shift, sd, task="b")])
        out += list(a.loc[a["family"] == "primary", "verdict"])
    return pd.Series(out).value_counts(normalize=True)


def test_identical_agents_are_rarely_called_better():
    v = primary_verdicts(0.0, 10, 120, sd=25.0)
    assert v.get("supported", 0.0) <= 0.05


def test_a_difference_of_twice_the_margin_is_supported_at_the_planned_seeds():
    n, _ = seeds_needed(sd=25.0 / np.sqrt(2), margin=25.0, tasks=2)  # the SD of the mean of two readings' differences
    v = primary_verdicts(50.0, n, 40, sd=25.0)
    assert v.get("supported", 0.0) >= 0.8


def test_no_difference_with_small_spread_is_contradicted():
    v = primary_verdicts(0.0, 20, 20, sd=5.0)
    assert v.get("contradicted", 0.0) >= 0.9  # the interval rules out an advantage of one margin


def test_the_seed_rule_meets_its_power_by_simulation():
    sd, margin = 40.0, 25.0
    n, wanted = seeds_needed(sd, margin, tasks=2, cap=1000)
    assert n == wanted
    rng = np.random.default_rng(2)
    from scipy import stats

    hits = [stats.ttest_1samp(rng.normal(margin, sd, n), 0).pvalue < 0.025 for _ in range(2000)]
    assert 0.77 <= np.mean(hits) <= 0.86
    assert seeds_needed(500.0, margin, tasks=2) == (30, None)  # capped, and the rule asked for more than 500
    assert seeds_needed(1.0, margin, tasks=2)[0] == 10  # at least 10


def test_the_oracle_baselines_are_built_as_preregistered():
    rows = [{"agent": a, "seed": s, "greedy_final": float(k) + (100.0 if (a == "arch_3" and s % 2 == 0) else 0.0)}
            for k, a in enumerate(ARCHS) for s in range(10)]
    b = oracle_baselines(TaskStudy("t", 25.0, {}, pd.DataFrame(rows)))
    names = list(b)
    assert names[0] == "random fixed architecture" and b[names[0]].loc[1] == pytest.approx(np.mean(range(27)))
    assert names[2] == "best in hindsight (arch_3)"  # selected on the even seeds ...
    assert list(b[names[2]].index) == [1, 3, 5, 7, 9] and (b[names[2]] == 3.0).all()  # ... estimated on the odd ones
    assert names[1].startswith("median architecture (arch_")


def test_the_pilot_gives_the_spread_of_the_per_seed_difference_and_the_seeds():
    from nasdqn.analysis.fairtest import pilot_row

    s = study(np.random.default_rng(3), 5, 0.0, sd=30.0)
    row = pilot_row(s, tasks=2)
    diffs = (s.readings["reinit"].query("agent == 'nas_dqn'")["greedy_final"].to_numpy()
             - s.readings["reinit"].query("agent == 'yoked'")["greedy_final"].to_numpy()
             + s.readings["grow"].query("agent == 'nas_dqn'")["greedy_final"].to_numpy()
             - s.readings["grow"].query("agent == 'yoked'")["greedy_final"].to_numpy()) / 2
    assert row["pilot_seeds"] == 5 and row["sd_difference"] == pytest.approx(np.std(diffs, ddof=1))
    assert row["seeds"] == seeds_needed(row["sd_difference"], 25.0, 2)[0]


@pytest.mark.parametrize("diffs", [[30, -5, 40, 12, -10, 25, 18, 3, 35, -2], [5, 6, 4, 5, 7, 3], [-40, -35, -20, -45], [60, 70, 55, 65, 50]])
def test_the_verdict_reads_the_interval_it_prints(diffs):
    """Supported exactly when the printed (1 - level) interval lies above 0, contradicted exactly
    when it lies below the margin (the report's rule: each end at level / 2)."""
    from nasdqn.analysis.fairtest import judge

    r = judge(np.array(diffs, dtype=float), margin=25.0, level=0.05)
    assert (r["verdict"] == "contradicted") == (r["ci_high"] < 25.0)
    assert (r["verdict"] == "supported") == (r["ci_low"] > 0.0 and not r["ci_high"] < 25.0)
