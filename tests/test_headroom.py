"""The fair test's screening criterion (nasdqn/analysis/headroom.py): select on some seeds,
estimate on others, against twice the margin."""
import numpy as np
import pandas as pd
import pytest

from nasdqn.analysis.headroom import exploitable_gain

ARCHS = [f"a{k}" for k in range(27)]


def table(means: dict[str, tuple[float, float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"agent": a, "seed": s, "greedy_final": m[s]} for a, m in means.items() for s in range(4)])


def test_the_best_is_selected_on_seeds_0_1_and_judged_on_2_3():
    means = {a: (float(k), float(k), 10.0, 10.0) for k, a in enumerate(ARCHS)}  # a26 looks best on 0-1 ...
    means["a26"] = (100.0, 100.0, 10.0, 10.0)  # ... but is median-like on the held-out seeds
    means["a3"] = (0.0, 0.0, 500.0, 500.0)  # the truly best, not selectable on seeds 0-1
    h = exploitable_gain("t", table(means), ARCHS, margin=25.0)
    assert h.best == "a26" and h.best_selection == 100.0 and h.gain == 0.0 and not h.passes


def test_a_gain_of_twice_the_margin_passes():
    means = {a: (0.0, 0.0, 100.0, 100.0) for a in ARCHS}
    means["a5"] = (9.0, 9.0, 150.0, 150.0)
    assert exploitable_gain("t", table(means), ARCHS, margin=25.0).passes
    means["a5"] = (9.0, 9.0, 149.0, 149.0)
    h = exploitable_gain("t", table(means), ARCHS, margin=25.0)
    assert h.gain == 49.0 and not h.passes and h.row()["threshold"] == 50.0


def test_ties_go_to_the_first_architecture_and_missing_runs_are_named():
    means = {a: (1.0, 1.0, float(k), float(k)) for k, a in enumerate(ARCHS)}
    assert exploitable_gain("t", table(means), ARCHS, margin=1.0).best == "a0"
    with pytest.raises(ValueError, match="lacks runs"):
        exploitable_gain("t", table(means).iloc[1:], ARCHS, margin=1.0)


def test_the_held_out_estimate_has_no_winners_curse():
    """Identical architectures: the naive best (selected and estimated on the same seeds) is biased
    upward; the held-out gain is centred on zero."""
    rng = np.random.default_rng(0)
    held, naive = [], []
    for _ in range(300):
        noise = rng.normal(0, 10, size=(27, 4))
        h = exploitable_gain("t", table({a: tuple(noise[k]) for k, a in enumerate(ARCHS)}), ARCHS, margin=25.0)
        held.append(h.gain)
        naive.append(h.best_selection - np.median(noise[:, :2].mean(axis=1)))
    assert abs(np.mean(held)) < 1.0 and np.mean(naive) > 10.0
    assert np.mean(np.array(held) >= 50.0) == 0.0  # identical architectures never pass
