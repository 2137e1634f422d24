"""The re-reading's statistics (nasdqn/analysis/reread.py) against the study's own tables."""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import REPO
from nasdqn.analysis import reread

STUDY = REPO / "studies/mechanism"


def test_the_seed_unit_table_gives_the_studys_own_pooled_answer():
    """One test for one question: the re-reading's seed-as-unit contrasts against the random
    controls are the study's pooled.csv rows (Welch t on per-seed means), to the last digit, and
    the same contrasts with every run counted as independent claim more."""
    per_run = pd.read_csv(STUDY / "per_run.csv")
    oracle = sorted(a for a in per_run["agent"].unique() if a.startswith("arch_"))
    table = reread.seed_unit(per_run, oracle, "nas_dqn", ["random_nas", "matched_random"])
    pooled = pd.read_csv(STUDY / "pooled.csv").set_index("than")
    rows = table[table["outcome"] == "final_performance"].set_index("contrast")
    for control in ("random_nas", "matched_random"):
        mine, theirs = rows.loc[f"nas_dqn - {control}"], pooled.loc[control]
        assert (mine["effect"], mine["ci_low"], mine["ci_high"], mine["p_seed_unit"]) == pytest.approx(
            (theirs["estimate"], theirs["ci_low"], theirs["ci_high"], theirs["p"]), rel=1e-12)
        assert mine["seeds"] == theirs["n_better"] == 10 and mine["p_runs_as_independent"] < mine["p_seed_unit"]
