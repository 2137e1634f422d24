"""`mechanism` on tiny synthetic tables (no training): two tasks, one with two readings that
share the oracle's runs; byte-identical files on rerun; bad input named."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nasdqn.cli import main
from nasdqn.jobs.results import atomic_write_text, csv_text

ORACLE = ["arch_2x32_relu", "arch_3x64_relu", "arch_4x128_relu"]
AGENTS = [("nas_dqn", "NAS-DQN", "nas", "reference"), ("random_nas", "Random-NAS", "random", "random_search"),
          ("matched", "Matched random", "random", "matched_random"), ("fixed_small", "Fixed Small", "fixed", "fixed")]


def write(path, df: pd.DataFrame):
    atomic_write_text(path, csv_text(list(df.columns), df.to_dict("records")))


def metrics(folder, shift: float, oracle_shift: float = 0.0):
    rng = np.random.default_rng(int(10 * shift) + 1)
    rows = []
    for agent, *_ in AGENTS:
        rows += [{"agent": agent, "seed": s, "final_performance": 100 + shift + rng.normal(0, 5)} for s in range(4)]
    rows += [{"agent": a, "seed": s, "final_performance": 90.0 + 10 * k + oracle_shift + s} for k, a in enumerate(ORACLE) for s in range(4)]
    write(folder / "per_run.csv", pd.DataFrame(rows))
    agents = [{"agent": a, "label": lab, "controller": c, "roles": r, "oracle": False} for a, lab, c, r in AGENTS]
    agents += [{"agent": a, "label": a[5:], "controller": "fixed", "roles": "", "oracle": True} for a in ORACLE]
    write(folder / "agents.csv", pd.DataFrame(agents))
    write(folder / "claims.csv", pd.DataFrame([{"claim": "final_superior", "family": "primary", "verdict": "inconclusive", "effect": "1 [0, 2]",
                                                "reading": "undetermined", "seeds_needed": "12"}]))
    write(folder / "oracle.csv", pd.DataFrame([
        {"quantity": "variance_share", "value": 0.6, "ci_low": 0.3, "ci_high": 0.8, "detail": "omega-squared"},
        {"quantity": "median_architecture", "value": 101.5, "ci_low": 100.0, "ci_high": 103.0, "detail": "median"},
        {"quantity": "best_architecture", "value": 113.0, "ci_low": 110.0, "ci_high": 116.0, "detail": "4x128 relu: the highest mean"}]))
    write(folder / "oracle_ranking.csv", pd.DataFrame([{"rank": 3 - k, "agent": a, "label": a[5:], "mean": 91.5 + 10 * k} for k, a in enumerate(ORACLE)]))


@pytest.fixture
def studies(tmp_path):
    for reading, shift in (("reinit_continue", 0.0), ("distill_restart", 8.0)):
        metrics(tmp_path / "cartpole/variants" / reading / "metrics", shift)
    metrics(tmp_path / "acrobot/metrics", 3.0)
    return tmp_path


def run(studies, out, *extra):
    return main(["mechanism", "--study", f"CartPole-v1={studies / 'cartpole'}", "--study", f"Acrobot-v1={studies / 'acrobot'}",
                 "--out", str(out), *extra])


def test_tables_and_figure_are_written_byte_identically(studies):
    assert run(studies, studies / "a") == 0 and run(studies, studies / "b") == 0
    for name in ("per_run.csv", "summary.csv", "oracle_ranking.csv", "variance_share.csv", "claims.csv", "pooled.csv", "answer.png",
                 "answer.pdf"):
        assert (studies / "a" / name).read_bytes() == (studies / "b" / name).read_bytes(), name
    summary = pd.read_csv(studies / "a/summary.csv")
    cart = summary[summary["task"] == "CartPole-v1"]
    assert list(dict.fromkeys(cart["reading"])) == ["distill_restart", "reinit_continue"]
    assert {"reference", "random_search", "matched_random", "median_architecture", "best_architecture"} <= set(cart["role"])
    assert set(summary.loc[summary["task"] == "Acrobot-v1", "reading"]) == {"default"}
    per_run = pd.read_csv(studies / "a/per_run.csv")
    oracle_rows = per_run[per_run["agent"].isin(ORACLE)]
    assert len(oracle_rows) == 2 * len(ORACLE) * 4 and set(oracle_rows["reading"]) == {"all"}  # once per task
    assert list(pd.read_csv(studies / "a/variance_share.csv")["task"]) == ["CartPole-v1", "Acrobot-v1"]


def test_the_answer_over_all_readings_takes_the_seed_as_the_unit(studies):
    """CartPole has two readings of 4 seeds: pooled.csv compares NAS-DQN's per-seed means over the
    readings (4 values, not 8 runs) with each random control's (Welch), and with the median and the
    best architecture (the joint set); Acrobot's one reading is its own pool."""
    from scipy import stats as sps

    assert run(studies, studies / "a") == 0
    pooled = pd.read_csv(studies / "a/pooled.csv")
    cart = pooled[pooled["task"] == "CartPole-v1"].set_index("than")
    assert list(cart.index) == ["random_nas", "matched", "median_architecture", "best_architecture"]
    assert (cart["readings"] == 2).all() and (cart["n_better"] == 4).all()
    per_run = pd.read_csv(studies / "a/per_run.csv")
    runs = per_run[(per_run["task"] == "CartPole-v1") & (per_run["reading"] != "all")]
    means = runs.groupby(["agent", "seed"])["final_performance"].mean()
    ref = sps.ttest_ind(means["nas_dqn"], means["random_nas"], equal_var=False)
    assert cart.loc["random_nas", "p"] == pytest.approx(ref.pvalue) and cart.loc["random_nas", "estimate"] == pytest.approx(
        means["nas_dqn"].mean() - means["random_nas"].mean())
    naive = sps.ttest_ind(runs.loc[runs["agent"] == "nas_dqn", "final_performance"], runs.loc[runs["agent"] == "random_nas", "final_performance"],
                          equal_var=False)
    assert naive.pvalue != pytest.approx(ref.pvalue)  # 8 runs as if independent would be another (wrong) test
    assert cart.loc["best_architecture", "ci_high"] <= cart.loc["median_architecture", "ci_high"]
    assert (pooled.loc[pooled["task"] == "Acrobot-v1", "readings"] == 1).all()


def test_readings_whose_oracle_runs_differ_are_refused(studies, capsys):
    metrics(studies / "cartpole/variants/reinit_continue/metrics", 0.0, oracle_shift=1.0)
    assert run(studies, studies / "out") == 2
    assert "oracle's runs differ between readings" in capsys.readouterr().err
    assert not (studies / "out").exists()


def test_bad_input_is_named(studies, capsys):
    (studies / "acrobot/metrics/claims.csv").unlink()
    assert run(studies, studies / "out") == 2
    assert "acrobot/metrics/claims.csv: missing" in capsys.readouterr().err
    assert main(["mechanism", "--study", "nonsense", "--out", str(studies / "o")]) == 2
    assert "expected TASK=RESULTS_ROOT" in capsys.readouterr().err


def test_the_oracle_rows_are_labelled_by_their_architecture():
    from nasdqn.outputs.mechanism import short_label

    median = "median of the 27 architectures' mean final performance (nearest: 2x128 relu); simultaneous t intervals"
    assert short_label("median_architecture", median) == "2x128 relu"
    assert short_label("best_architecture", "4x128 relu: the highest mean (as an estimate ...)") == "4x128 relu"
