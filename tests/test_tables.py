"""`aggregate` on a tiny study written without training (tests/fake_study.py): every table is
there, byte-identical on rerun, the floor check names the agent that did not learn, the oracle's
tables and questions are filled, and a corrupt floor table stops everything before a file is
written."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fake_study import aggregate_args, make_study

from nasdqn.analysis.claims import CLAIMS
from nasdqn.cli import main

TABLES = ["per_run.csv", "summary.csv", "claims.csv", "comparisons.csv", "robust.csv", "ceiling.csv", "floor_check.csv",
          "oracle_ranking.csv", "oracle.csv", "agents.csv", "runs.csv"]


@pytest.fixture(scope="module")
def study(aggregated):
    return aggregated


def test_every_table_is_written_and_byte_identical_on_rerun(study, tmp_path):
    assert main(aggregate_args(study, tmp_path / "again")) == 0
    for name in TABLES:
        assert (study / "results/metrics" / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


def test_claims_table_lists_every_claim_with_family_and_seeds(study):
    claims = pd.read_csv(study / "results/metrics/claims.csv", keep_default_na=False)
    assert list(claims["claim"]) == [c.id for c in CLAIMS]
    assert set(claims["verdict"]) <= {"supported", "contradicted", "inconclusive", "not decidable", "not tested"}
    assert set(claims.loc[claims["family"] == "primary", "claim"]) == {"final_superior", "fewest_episodes", "lowest_std", "negligible_overhead"}
    reused = claims.set_index("claim").loc[["nas_beats_random", "beats_poor_fixed"]]  # their comparisons are the family's already
    assert (reused["family"] == "exploratory").all() and reused["note"].str.contains("already in the primary family").all()
    decided = claims[claims["verdict"].isin(["supported", "contradicted", "inconclusive"])]
    assert (decided["seeds_needed"] != "").all() and (decided["margin"] != "").all()
    oracle = claims[claims["family"] == "oracle"]
    assert (oracle["verdict"] != "not tested").all(), oracle[["claim", "note"]]
    # "maintains it" is a one-sample comparison of NAS-DQN's drawdown, listed as such (issue 27: "NAS-DQN vs NAS-DQN")
    rapid = claims.set_index("claim").loc["rapid_and_maintained", "reading"]
    assert "NAS-DQN: drawdown (one sample)" in rapid and "NAS-DQN vs NAS-DQN" not in rapid
    comparisons = pd.read_csv(study / "results/metrics/comparisons.csv", keep_default_na=False)
    drawdown = comparisons[comparisons["metric"] == "drawdown"].iloc[0]
    assert drawdown["than"] == "" and drawdown["value_than"] == 0.0 and drawdown["comparison"] == "drawdown:nas_dqn:"


def test_floor_check_names_the_agent_that_did_not_learn(study):
    check = pd.read_csv(study / "results/metrics/floor_check.csv")
    assert set(check.loc[~check["learned"], "agent"]) == {"random_nas"}
    assert check["beats_uniform_training"].all()  # its training returns beat the floor: the greedy comparison decides


def test_oracle_tables(study):
    ranking = pd.read_csv(study / "results/metrics/oracle_ranking.csv")
    assert len(ranking) == 27 and list(ranking["rank"]) == list(range(1, 28)) and ranking["top5"].sum() == 5
    assert (ranking["rank_low"] <= ranking["rank"]).all() and (ranking["rank"] <= ranking["rank_high"]).all()
    oracle = pd.read_csv(study / "results/metrics/oracle.csv").set_index("quantity")
    assert 0 <= oracle.loc["variance_share", "ci_low"] <= oracle.loc["variance_share", "value"] <= oracle.loc["variance_share", "ci_high"] <= 1
    median, best = oracle.loc["median_architecture"], oracle.loc["best_architecture"]
    assert median["ci_low"] <= median["value"] <= median["ci_high"] and best["ci_low"] <= best["value"] <= best["ci_high"]
    assert best["ci_low"] >= median["ci_low"] and best["ci_high"] >= median["ci_high"]  # one set: the best at least the median
    assert best["value"] == pytest.approx(ranking["mean"].max())
    per_run = pd.read_csv(study / "results/metrics/per_run.csv")
    nas = per_run[per_run["agent"] == "nas_dqn"]
    assert nas["top5_visit_share"].between(0, 1).all() and per_run.loc[per_run["agent"] == "fixed_small", "top5_visit_share"].isna().all()


def test_ceiling_table_reads_success_and_performance_given_success(study):
    ceiling = pd.read_csv(study / "results/metrics/ceiling.csv").set_index("agent")
    best = ceiling["ceiling"].iloc[0]
    per_run = pd.read_csv(study / "results/metrics/per_run.csv")
    assert best == pytest.approx(per_run["final_performance"].max())
    row = ceiling.loc["fixed_medium"]
    assert row["success_ci_low"] <= row["success_rate"] <= row["success_ci_high"]


def test_a_corrupt_floor_table_stops_before_anything_is_written(tmp_path, capsys):
    make_study(tmp_path, oracle=False, seeds=(0, 1, 2))
    (tmp_path / "floor.csv").write_text("policy,seed,mean_return\nuniform_random,0,1.0\n")
    assert main(aggregate_args(tmp_path)) == 2
    err = capsys.readouterr().err
    assert "floor.csv: missing column(s) min_return" in err
    assert not (tmp_path / "results/metrics").exists()


def test_a_study_without_the_oracle_writes_empty_oracle_tables(tmp_path):
    make_study(tmp_path, oracle=False, seeds=(0, 1, 2))
    assert main(aggregate_args(tmp_path)) == 0
    assert pd.read_csv(tmp_path / "results/metrics/oracle_ranking.csv").empty
    claims = pd.read_csv(tmp_path / "results/metrics/claims.csv", keep_default_na=False).set_index("claim")
    assert claims.loc["beats_median_architecture", "verdict"] == "not tested"
    assert np.isin(claims["verdict"], ["supported", "contradicted", "inconclusive", "not decidable", "not tested"]).all()


def test_a_step_counted_study_times_the_threshold_in_steps(tmp_path):
    """protocol.unit: steps: the time claims read steps_to_threshold, censored at the run's steps."""
    import yaml
    from fake_study import LEVELS, fake_run

    from nasdqn.settings.config import validate
    from nasdqn.settings.plan import study_plan

    make_study(tmp_path, oracle=False, seeds=(0, 1, 2))
    cfg = yaml.safe_load((tmp_path / "cfg.yaml").read_text())
    cfg["protocol"].update(unit="steps", budget=24 * 175, eval_every=800)
    cfg["dqn"]["epsilon_decay"], cfg["nas"]["arch_update_interval"], cfg["nas"]["score_window"] = 1000, 800, 400
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(cfg))
    for run in study_plan(validate(cfg)).unique_runs():
        fake_run(tmp_path / run.dir, run.agent, run.seed, 24, ["2x32-relu", "3x64-tanh"], LEVELS[run.agent])
    assert main(aggregate_args(tmp_path)) == 0
    comparisons = pd.read_csv(tmp_path / "results/metrics/comparisons.csv")
    per_run = pd.read_csv(tmp_path / "results/metrics/per_run.csv")
    time = comparisons[comparisons["metric"] == "time_to_threshold"].iloc[0]
    ref = per_run[per_run["agent"] == "nas_dqn"]
    assert time["value_better"] == pytest.approx(np.minimum(ref["steps_to_threshold"], 24 * 175).mean())
    assert (per_run["steps_to_threshold"] <= per_run["env_steps"]).all()
