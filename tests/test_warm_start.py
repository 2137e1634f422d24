"""Warm starts (nasdqn/learning/warm_start.py): inherit copies the overlap, distill imitates, grow keeps the function."""
import dataclasses

import numpy as np
import pytest

from nasdqn.learning.controller import NASSettings
from nasdqn.learning.network import Architecture, forward_np, init_params
from nasdqn.learning.warm_start import CHECK_EVERY, can_grow, distill, fidelity, grow, grow_params, inherit_params


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


def states_for(obs_dim: int, n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, obs_dim)).astype(np.float32) * 2


GROWABLE = [("2x32-relu", "2x64-relu"), ("2x32-relu", "4x128-relu"), ("3x64-relu", "4x64-relu"), ("2x32-tanh", "2x128-tanh"),
            ("3x32-leaky_relu", "3x128-leaky_relu"), ("2x64-relu", "2x64-relu")]


@pytest.mark.parametrize("old_name,new_name", GROWABLE)
def test_grow_returns_the_old_networks_q_values_at_the_switch(old_name, new_name):
    """Widening splits each copied unit's outgoing weights among its copies; new ReLU layers are
    identities: the Q-values agree to float32 rounding (the products sum in another order), and
    so do the greedy actions."""
    old_arch, new_arch = Architecture.parse(old_name), Architecture.parse(new_name)
    assert can_grow(old_arch, new_arch)
    old = [p * 3 for p in init_params(old_arch, np.random.default_rng(0), 6, 3)]
    old = [p + np.float32(0.1) if p.shape[0] == 1 else p for p in old]  # non-zero biases
    grown = grow_params(old, old_arch, new_arch, np.random.default_rng(1))
    assert [p.shape for p in grown] == [p.shape for p in init_params(new_arch, np.random.default_rng(0), 6, 3)]
    s = states_for(6, 4000, 2)
    q_old, q_new = forward_np(old, old_arch.activation, s), forward_np(grown, new_arch.activation, s)
    scale = np.abs(q_old).max()
    assert np.abs(q_new - q_old).max() <= 1e-5 * scale
    assert np.array_equal(q_old.argmax(axis=1), q_new.argmax(axis=1))
    f = fidelity(old, old_arch, grown, new_arch, s)
    assert f.agreement == 1.0 and f.q_error < 1e-6


def test_grown_copies_learn_apart():
    """The copies of a unit start equal but take different shares of its outgoing weights, so
    their gradients differ (the symmetry Net2Net has to break)."""
    old_arch, new_arch = Architecture.parse("2x32-relu"), Architecture.parse("2x64-relu")
    grown = grow_params(init_params(old_arch, np.random.default_rng(0), 6, 3), old_arch, new_arch, np.random.default_rng(1))
    w_out = grown[2]  # output layer rows: the last hidden layer's 64 units
    assert not np.allclose(w_out[:32], w_out[32:])
    assert np.allclose(w_out[:32] + w_out[32:], init_params(old_arch, np.random.default_rng(0), 6, 3)[2], atol=1e-6)


@pytest.mark.parametrize("old_name,new_name", [("2x64-relu", "2x32-relu"), ("2x32-relu", "2x32-tanh"), ("4x32-relu", "2x32-relu"),
                                               ("2x32-tanh", "3x32-tanh"), ("2x32-leaky_relu", "3x32-leaky_relu")])
def test_architectures_that_cannot_hold_the_function_are_not_grown(old_name, new_name):
    assert not can_grow(Architecture.parse(old_name), Architecture.parse(new_name))


def test_grow_distils_to_the_fidelity_targets_or_the_cap_and_says_which():
    old_arch, new_arch = Architecture.parse("3x64-relu"), Architecture.parse("2x32-tanh")
    old = init_params(old_arch, np.random.default_rng(0), 6, 3)
    fresh = init_params(new_arch, np.random.default_rng(1), 6, 3)
    s = states_for(6, 3000, 3)
    easy = NASSettings.from_config(distill_steps=3000, fidelity_agreement=0.8, fidelity_q_error=0.45, distill_learning_rate=1e-3)
    started = grow(old, old_arch, fresh, new_arch, s, easy, 64, np.random.default_rng(4))
    assert started.how == "distill" and started.fidelity.meets(0.8, 0.45) and 0 < started.steps < 3000
    assert started.steps % CHECK_EVERY == 0  # it stopped at the first check that met the targets
    capped = grow(old, old_arch, fresh, new_arch, s, dataclasses.replace(easy, distill_steps=150, fidelity_agreement=1.0,
                                                                           fidelity_q_error=1e-9), 64, np.random.default_rng(4))
    assert capped.steps == 150 and not capped.fidelity.meets(1.0, 1e-9)
    again = grow(old, old_arch, fresh, new_arch, s, easy, 64, np.random.default_rng(4))
    assert all(np.array_equal(a, b) for a, b in zip(started.params, again.params))  # deterministic
