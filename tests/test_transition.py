"""Model transitions (nasdqn/transition.py): inherit copies the overlap, distill imitates."""
import numpy as np

from nasdqn.learning.network import Architecture, forward_np, init_params
from nasdqn.learning.transition import distill, inherit_params


def test_inherit_copies_overlap():
    rng = np.random.default_rng(0)
    old = init_params(Architecture(2, 32, "relu"), rng)
    new = init_params(Architecture(3, 64, "relu"), rng)
    out = inherit_params(old, new)
    assert np.array_equal(out[0][:, :32], old[0]) and np.array_equal(out[0][:, 32:], new[0][:, 32:])
    assert np.array_equal(out[1][:32, :32], old[1])
    assert np.array_equal(out[3][:32], old[2])  # output layer from output layer
    assert np.array_equal(out[2], new[2])


def test_distill_brings_the_new_network_close_to_the_old_one():
    rng = np.random.default_rng(1)
    old_arch, new_arch = Architecture(3, 64, "relu"), Architecture(2, 32, "tanh")
    old, fresh = init_params(old_arch, rng), init_params(new_arch, rng)
    theta = rng.uniform(-np.pi, np.pi, 2000)
    states = np.stack([np.cos(theta), np.sin(theta), rng.uniform(-8, 8, 2000)], axis=1).astype(np.float32)
    target = forward_np(old, old_arch.activation, states)
    before = np.mean((forward_np(fresh, new_arch.activation, states) - target) ** 2)
    after_params = distill(old, old_arch, fresh, new_arch, states, 300, 64, 1e-3, np.random.default_rng(2))
    after = np.mean((forward_np(after_params, new_arch.activation, states) - target) ** 2)
    assert after < 0.2 * before
    again = distill(old, old_arch, fresh, new_arch, states, 300, 64, 1e-3, np.random.default_rng(2))
    assert all(np.array_equal(a, b) for a, b in zip(after_params, again))  # deterministic
    assert all(p.dtype == np.float32 for p in after_params)
