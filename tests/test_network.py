"""Section 2.2.1-2.2.2: architectures, forward pass and initialisation."""
import numpy as np
import pytest
from scipy import stats

from nasdqn.learning.network import SEARCH_SPACE, Architecture, StackedMLP, init_params


def test_search_space_is_the_paper_product():
    assert len(SEARCH_SPACE) == 27 and len(set(SEARCH_SPACE)) == 27
    assert {a.layers for a in SEARCH_SPACE} == {2, 3, 4}
    assert {a.units for a in SEARCH_SPACE} == {32, 64, 128}
    assert {a.activation for a in SEARCH_SPACE} == {"relu", "tanh", "leaky_relu"}


@pytest.mark.parametrize("bad", [(5, 64, "relu"), (3, 48, "relu"), (3, 64, "sigmoid")])
def test_architecture_outside_space_rejected(bad):
    with pytest.raises(ValueError, match="architecture"):
        Architecture(*bad)


def test_name_roundtrip():
    for a in SEARCH_SPACE:
        assert Architecture.parse(a.name) == a


def test_shapes_and_zero_biases():
    arch = Architecture(3, 64, "relu")
    params = init_params(arch, np.random.default_rng(0))
    assert [p.shape for p in params[:4]] == [(3, 64), (64, 64), (64, 64), (64, 3)]
    assert all(np.all(b == 0) for b in params[4:])


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh"])
def test_init_variance_matches_section_222(activation):
    arch = Architecture(2, 128, activation)
    weights = np.concatenate([init_params(arch, np.random.default_rng(s))[1].ravel() for s in range(10)])
    expected = 2.0 / 128 if activation != "tanh" else 2.0 / (128 + 128)
    # chi-square interval for a sample variance of n normal draws
    n = weights.size
    lo, hi = stats.chi2.ppf([0.0005, 0.9995], n - 1) / (n - 1) * expected
    assert lo < weights.var() < hi
    assert abs(weights.mean()) < 4 * np.sqrt(expected / n)


def test_forward_matches_paper_recursion():
    arch = Architecture(3, 32, "tanh")
    rng = np.random.default_rng(1)
    params = init_params(arch, rng)
    net = StackedMLP(arch, [params])
    x = rng.normal(size=(7, 3)).astype(np.float32)
    h = x.astype(np.float64)
    for l in range(3):
        h = np.tanh(h @ params[l] + params[4 + l])  # h^(l) = sigma(W^(l)T h^(l-1) + b^(l))
    q_ref = h @ params[3] + params[7]
    q, _ = net.forward(x[None])
    assert np.allclose(q[0], q_ref, atol=1e-5)
    assert np.allclose(net.q_values_np(x[:1])[0], q_ref[0], atol=1e-5)


def test_stacked_members_are_independent():
    arch = Architecture(2, 32, "leaky_relu")
    members = [init_params(arch, np.random.default_rng(s)) for s in range(3)]
    stacked = StackedMLP(arch, members)
    x = np.random.default_rng(0).normal(size=(3, 5, 3)).astype(np.float32)
    q, _ = stacked.forward(x)
    for g in range(3):
        alone = StackedMLP(arch, [members[g]])
        qg, _ = alone.forward(x[g : g + 1])
        assert np.array_equal(q[g], qg[0])  # bit for bit: a member's numbers do not depend on its group
        assert all(np.array_equal(a, b) for a, b in zip(stacked.member(g), members[g]))
