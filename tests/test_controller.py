"""Section 2.3.2: the controller's selection rule and epsilon decay."""
import numpy as np
import pytest
from scipy import stats

from nasdqn.learning.controller import NASController, NASSettings, RandomController, selection_probabilities
from nasdqn.learning.network import SEARCH_SPACE, Architecture


def paper_probabilities(scores, tau=1.5, eps=1e-8):
    """P(c) = exp(z_c / tau) / sum exp(z_c' / tau), z = (S - mean) / (std + eps), written out."""
    mu = sum(scores) / len(scores)
    sd = (sum((s - mu) ** 2 for s in scores) / len(scores)) ** 0.5
    e = [np.exp((s - mu) / (sd + eps) / tau) for s in scores]
    return [x / sum(e) for x in e]


def test_softmax_matches_formula():
    scores = [120.0, 80.0, 150.0, 20.0]
    assert np.allclose(selection_probabilities(np.array(scores), 1.5, 1e-8), paper_probabilities(scores))


def test_empirical_selection_frequencies_chi_square():
    """Draw many selections from a fixed buffer: frequencies follow eps/27 + (1-eps) P(c)."""
    s = NASSettings.from_config(epsilon_start=0.3, epsilon_decay=1.0, epsilon_min=0.0, top_k=4)
    ctrl = NASController(s)
    buffer = {SEARCH_SPACE[0]: 10.0, SEARCH_SPACE[5]: 60.0, SEARCH_SPACE[13]: 140.0, SEARCH_SPACE[26]: 190.0}
    for arch, score in buffer.items():
        ctrl.record(arch, score)
    p_exploit = paper_probabilities(list(buffer.values()))
    expected = np.full(27, 0.3 / 27)
    for arch, p in zip(buffer, p_exploit):
        expected[SEARCH_SPACE.index(arch)] += 0.7 * p
    rng = np.random.default_rng(0)
    n = 40_000
    counts = np.zeros(27)
    for _ in range(n):
        counts[SEARCH_SPACE.index(ctrl.select(rng).arch)] += 1
    chi2, pvalue = stats.chisquare(counts, expected * n)
    assert pvalue > 1e-3, (chi2, pvalue)
    # and a wrong temperature is detected by the same test (the test has power)
    wrong = np.full(27, 0.3 / 27)
    for arch, p in zip(buffer, paper_probabilities(list(buffer.values()), tau=0.5)):
        wrong[SEARCH_SPACE.index(arch)] += 0.7 * p
    assert stats.chisquare(counts, wrong * n).pvalue < 1e-6


def test_epsilon_decays_to_floor():
    s = NASSettings.from_config(epsilon_start=0.5, epsilon_min=0.1, epsilon_decay=0.95)
    ctrl = NASController(s)
    rng = np.random.default_rng(1)
    seen = []
    for k in range(60):
        seen.append(ctrl.epsilon)
        ctrl.update(SEARCH_SPACE[k % 27], float(k), rng)
    assert seen[0] == 0.5
    for k in range(1, 60):
        assert seen[k] == pytest.approx(max(0.1, seen[k - 1] * 0.95))
    assert seen[-1] == 0.1


def test_buffer_keeps_top_k_latest_scores():
    ctrl = NASController(NASSettings.from_config(top_k=3))
    for arch, score in zip(SEARCH_SPACE[:5], [5.0, 1.0, 9.0, 7.0, 3.0]):
        ctrl.record(arch, score)
    assert set(ctrl.best) == {SEARCH_SPACE[0].name, SEARCH_SPACE[2].name, SEARCH_SPACE[3].name}
    ctrl.record(SEARCH_SPACE[0], 100.0)
    assert ctrl.best[SEARCH_SPACE[0].name] == 100.0 and len(ctrl.best) == 3


def test_exploit_only_picks_from_buffer_and_state_roundtrip():
    ctrl = NASController(NASSettings.from_config(epsilon_start=0.0, epsilon_min=0.0))
    ctrl.record(Architecture(2, 32, "relu"), 10.0)
    ctrl.record(Architecture(4, 128, "tanh"), 20.0)
    rng = np.random.default_rng(3)
    picks = {ctrl.select(rng).arch.name for _ in range(200)}
    assert picks == {"2x32-relu", "4x128-tanh"}
    clone = NASController(NASSettings.from_config())
    clone.load_state_dict(ctrl.state_dict())
    assert clone.best == ctrl.best and clone.epsilon == ctrl.epsilon


def test_random_controller_is_uniform():
    ctrl = RandomController(NASSettings.from_config())
    rng = np.random.default_rng(7)
    counts = np.zeros(27)
    for _ in range(27_000):
        counts[SEARCH_SPACE.index(ctrl.update(SEARCH_SPACE[0], 1e9, rng).arch)] += 1
    assert stats.chisquare(counts).pvalue > 1e-3
