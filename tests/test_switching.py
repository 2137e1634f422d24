"""Switch-cost curves (nasdqn/analysis/switching.py): episode ages since the last switch, means by
age, compact curves."""
import numpy as np
import pandas as pd

from nasdqn.analysis.switching import by_age, compact_curve, episode_ages


def test_ages_restart_at_every_switch():
    episodes = pd.DataFrame({"episode": range(1, 7), "return": [1.0, 2, 3, 4, 5, 6], "steps": [10, 10, 10, 10, 10, 10]})
    windows = pd.DataFrame({"start_episode": [1, 3, 5], "transition": ["false", "true", "false"]})
    a = episode_ages(episodes, windows)
    assert list(a["end_step"]) == [10, 20, 30, 40, 50, 60]
    assert list(a["age"]) == [10, 20, 10, 20, 30, 40]  # the network of window 1 took over at step 20; window 2 kept it


def test_means_by_age_count_episodes_and_runs():
    f1 = pd.DataFrame({"age": [5, 15, 25], "return": [1.0, 2.0, 3.0]})
    f2 = pd.DataFrame({"age": [6, 7], "return": [3.0, 5.0]})
    t = by_age([f1, f2], "return", width=10, limit=30)
    assert list(t["episodes"]) == [3, 1, 1] and list(t["runs"]) == [2, 1, 1]
    assert t["mean"].iloc[0] == np.mean([1.0, 3.0, 5.0])


def test_compact_curves_bin_the_budget():
    ages = pd.DataFrame({"end_step": [5, 30, 35, 100], "return": [1.0, 2.0, 4.0, 8.0], "age": [5, 30, 5, 70]})
    c = compact_curve(ages, budget=100, points=4)
    assert list(c["step"]) == [25, 50, 75, 100]
    assert c["mean_return"].iloc[0] == 1.0 and c["mean_return"].iloc[1] == 3.0 and np.isnan(c["mean_return"].iloc[2])
    assert list(c["age"].iloc[[0, 1, 3]]) == [5, 5, 70]
