"""Per-run metrics added for step-counted protocols and the oracle: the time to threshold in
environment steps (censored at the run's steps), the drawdown, and the top-5 shares."""
from __future__ import annotations

import numpy as np
import pandas as pd

from nasdqn.analysis.metrics import MetricSettings, run_metrics, top_shares

M = MetricSettings(rolling_window=2, success_threshold=10.0, final_episodes=2)


def test_steps_to_threshold_counts_the_steps_to_the_end_of_the_crossing_episode():
    returns, steps = np.array([0.0, 5.0, 12.0, 14.0, 3.0]), np.array([10, 20, 30, 40, 50])
    m = run_metrics(returns, M, steps, env_steps=150)
    assert m["episodes_to_threshold"] == 4 and m["steps_to_threshold"] == 10 + 20 + 30 + 40  # (12 + 14) / 2 > 10 at episode 4
    assert m["env_steps"] == 150
    assert m["drawdown"] == 13.0 - 8.5  # best rolling mean 13, last 8.5


def test_an_unreached_threshold_is_censored_at_the_runs_steps():
    m = run_metrics(np.array([1.0, 2.0, 3.0]), M, np.array([5, 5, 7]))
    assert not m["threshold_reached"] and m["episodes_to_threshold"] == 3 and m["steps_to_threshold"] == 17


def test_top_shares():
    windows = pd.DataFrame({"architecture": ["2x32-relu", "3x64-relu", "2x32-relu", "4x128-tanh"]})
    shares = top_shares(windows, {"2x32-relu", "3x64-relu"})
    assert shares == {"top5_visit_share": 0.75, "top5_final_pick": 0.0}
