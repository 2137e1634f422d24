"""Double DQN's learner (nasdqn/learning/dqn.py), sections 2.2.3 and 2.3.1: the update applied equals
the paper's formulas and autograd's Huber-loss gradients, Adam learns, the target network syncs,
members of a group keep their own optimiser steps, and the gradient clipping of dqn.grad_clip_mode."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from nasdqn.learning.dqn import CLIPPERS, DQNGroup, DQNSettings, ReplayBuffer, fresh_member, views
from nasdqn.learning.network import LEAKY_SLOPE, StackedMLP
from nasdqn.settings.space import Architecture


def sigma(z, act):
    return {"relu": np.maximum(z, 0), "tanh": np.tanh(z), "leaky_relu": np.where(z > 0, z, LEAKY_SLOPE * z)}[act]


def sigma_prime(z, act):
    return {"relu": (z > 0) * 1.0, "tanh": 1 - np.tanh(z) ** 2, "leaky_relu": np.where(z > 0, 1.0, LEAKY_SLOPE)}[act]


def forward_np(params, s, act):
    """Returns Q and per-layer (z, h) for one state, following 2.2.1 with W of shape (n_{l-1}, n_l)."""
    n = len(params) // 2
    hs, zs = [s], []
    h = s
    for l in range(n):
        z = params[l].T @ h + params[n + l].ravel()
        zs.append(z)
        h = sigma(z, act) if l < n - 1 else z
        hs.append(h)
    return h, zs, hs


def paper_gradients(params, target, batch, gamma, act):
    """Section 2.2.3 per sample in float64: eps^(L+1) = -clip(y - Q, -1, 1)/N at a_i,
    eps^(l) = (W^(l+1) eps^(l+1)) * sigma'(z^(l)), grad W^(l) = h^(l-1) eps^(l)T, grad b^(l) = eps^(l)."""
    params = [p.astype(np.float64) for p in params]
    target = [p.astype(np.float64) for p in target]
    obs, action, reward, next_obs, done = batch
    n_layers = len(params) // 2
    grads = [np.zeros_like(p) for p in params]
    N = len(obs)
    for i in range(N):
        q_next_online, *_ = forward_np(params, next_obs[i], act)
        q_next_target, *_ = forward_np(target, next_obs[i], act)
        y = reward[i] + gamma * (1 - done[i]) * q_next_target[np.argmax(q_next_online)]
        q, zs, hs = forward_np(params, obs[i], act)
        eps = np.zeros(3)
        eps[action[i]] = -np.clip(y - q[action[i]], -1, 1) / N
        for l in range(n_layers - 1, -1, -1):
            grads[l] += np.outer(hs[l], eps)
            grads[n_layers + l] += eps[None, :]
            if l > 0:
                eps = (params[l] @ eps) * sigma_prime(zs[l - 1], act)
    return grads


def random_batch(rng, n):
    return (
        rng.normal(size=(n, 3)).astype(np.float32),
        rng.integers(0, 3, n),
        rng.normal(size=n).astype(np.float32),
        rng.normal(size=(n, 3)).astype(np.float32),
        (rng.random(n) < 0.2).astype(np.float32),
    )


def as_group_batch(batch):
    """The replay memory's minibatch format: ([s; s'] (1, 2N, d), a, r, 1 - done (1, N, 1))."""
    obs, action, reward, next_obs, done = batch
    return (
        np.concatenate([obs, next_obs])[None],
        action.astype(np.int64)[None, :, None],
        reward[None, :, None],
        (1.0 - done).astype(np.float32)[None, :, None],
    )


@pytest.mark.parametrize("activation", ["relu", "tanh", "leaky_relu"])
def test_applied_update_equals_paper_backprop(activation):
    rng = np.random.default_rng(42)
    arch = Architecture(3, 32, activation)
    settings = DQNSettings.from_config(optimizer="sgd", learning_rate=0.05, grad_clip=0.01, gamma=0.9)
    member = fresh_member(arch, rng)
    # make the target network differ from the online one, so Double DQN is really tested
    member.target = [p + rng.normal(scale=0.1, size=p.shape).astype(np.float32) for p in member.target]
    group = DQNGroup(arch, [0], [member], settings)
    before = [p.copy() for p in member.online]
    batch = random_batch(rng, 64)
    expected_grads = paper_gradients(before, member.target, batch, settings.gamma, activation)
    group.compute_gradients(as_group_batch(batch))
    for g, e in zip(group.online.grads, expected_grads):
        assert np.allclose(g[0], e, rtol=1e-4, atol=1e-6)
    group.update(as_group_batch(batch))
    for p, b0, e in zip(group.online.params, before, expected_grads):
        expected = b0 - settings.learning_rate * np.clip(e, -settings.grad_clip, settings.grad_clip)
        assert np.allclose(p[0], expected, rtol=1e-5, atol=1e-7)
    # the clipping threshold was small enough to bind somewhere: the test exercises it
    assert any(np.abs(e).max() > settings.grad_clip for e in expected_grads)


def test_gradients_agree_with_autograd_on_huber_loss():
    rng = np.random.default_rng(3)
    arch = Architecture(2, 64, "relu")
    member = fresh_member(arch, rng)
    group = DQNGroup(arch, [0], [member], DQNSettings.from_config())
    batch = as_group_batch(random_batch(rng, 32))
    _, loss = group.compute_gradients(batch)
    grads = group.online.grads
    params = [torch.from_numpy(p.copy()).requires_grad_() for p in member.online]
    both, action, reward, not_done = (torch.from_numpy(t[0]) for t in batch)
    obs, next_obs = both[:32], both[32:]
    with torch.no_grad():
        h = next_obs
        for l in range(3):
            h = h @ params[l] + params[3 + l]
            h = torch.relu(h) if l < 2 else h
        best = h.argmax(1, keepdim=True)
        ht = next_obs
        for l in range(3):
            ht = ht @ torch.from_numpy(group.target.params[l][0]) + torch.from_numpy(group.target.params[3 + l][0])
            ht = torch.relu(ht) if l < 2 else ht
        y = reward + 0.99 * not_done * ht.gather(1, best)
    h = obs
    for l in range(3):
        h = h @ params[l] + params[3 + l]
        h = torch.relu(h) if l < 2 else h
    ref = torch.nn.functional.huber_loss(h.gather(1, action), y, delta=1.0)
    ref.backward()
    assert float(loss[0]) == pytest.approx(ref.item(), rel=1e-5)
    for g, p in zip(grads, params):
        assert np.allclose(g[0], p.grad.numpy(), atol=1e-6)


def test_adam_option_moves_parameters_and_reduces_loss():
    rng = np.random.default_rng(5)
    arch = Architecture(2, 32, "relu")
    group = DQNGroup(arch, [0], [fresh_member(arch, rng)], DQNSettings.from_config(optimizer="adam", learning_rate=1e-2, gamma=0.0))
    batch = as_group_batch(random_batch(rng, 64))
    _, first = group.compute_gradients(batch)
    for _ in range(200):
        group.update(batch)
    _, last = group.compute_gradients(batch)
    assert float(last[0]) < 0.5 * float(first[0])


def test_target_sync_copies_online():
    rng = np.random.default_rng(0)
    arch = Architecture(2, 32, "relu")
    group = DQNGroup(arch, [0], [fresh_member(arch, rng)], DQNSettings.from_config(optimizer="sgd", learning_rate=0.1))
    group.update(as_group_batch(random_batch(rng, 16)))
    assert not all(np.array_equal(a, b) for a, b in zip(group.online.params, group.target.params))
    group.sync_target()
    assert all(np.array_equal(a, b) for a, b in zip(group.online.params, group.target.params))


def test_members_of_a_group_keep_their_own_adam_step_counts():
    """A member that joined later (fewer optimiser steps) gets its own bias correction: its
    numbers equal training it alone."""
    rng = np.random.default_rng(2)
    arch = Architecture(2, 32, "tanh")
    s = DQNSettings.from_config(optimizer="adam", learning_rate=1e-2)
    old, new = fresh_member(arch, rng), fresh_member(arch, rng)
    warm = DQNGroup(arch, [0], [old], s)
    batch = as_group_batch(random_batch(rng, 64))
    for _ in range(5):
        warm.update(batch)
    old = warm.member(0)
    both = DQNGroup(arch, [0, 1], [old, new], s)
    alone = DQNGroup(arch, [1], [new], s)
    two = tuple(np.concatenate([b, b]) for b in batch)
    for _ in range(3):
        both.update(two)
        alone.update(batch)
    assert all(np.array_equal(a, b) for a, b in zip(both.member(1).online, alone.member(0).online))


@pytest.mark.parametrize("max_norm", [0.05, 1.0, 1e3])
def test_global_norm_clipping_is_torchs_clip_grad_norm_for_each_member(max_norm):
    """Members' gradients at different scales: some are scaled down to norm C, some are left alone."""
    arch, rng = Architecture(3, 64, "tanh"), np.random.default_rng(1)
    shapes = StackedMLP(arch, [fresh_member(arch, rng).online for _ in range(4)]).shapes
    grads = np.concatenate([rng.normal(size=s).astype(np.float32).ravel() for s in shapes])
    for k, p in enumerate(views(shapes, grads)):
        p *= np.float32(10.0) ** (np.arange(4) - 2).reshape((4,) + (1,) * (p.ndim - 1)).astype(np.float32)  # member scales 0.01 .. 10
    expected = []
    for m in range(4):
        tensors = [torch.nn.Parameter(torch.zeros(p.shape[1:])) for p in views(shapes, grads)]
        for t, p in zip(tensors, views(shapes, grads)):
            t.grad = torch.from_numpy(p[m].copy())
        torch.nn.utils.clip_grad_norm_(tensors, max_norm)
        expected.append([t.grad.numpy() for t in tensors])
    CLIPPERS["global_norm"](grads, shapes, np.float32(max_norm))
    for m in range(4):
        got = [p[m] for p in views(shapes, grads)]
        for a, b in zip(got, expected[m], strict=True):
            np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-12)
        norm = np.sqrt(sum(float(np.square(a.astype(np.float64)).sum()) for a in got))
        assert norm <= max_norm * (1 + 1e-5)


def test_element_clipping_bounds_each_element():
    grads = np.array([-3.0, -0.5, 0.0, 0.2, 7.0], dtype=np.float32)
    CLIPPERS["element"](grads, [(1, 5)], np.float32(1.0))
    np.testing.assert_array_equal(grads, np.array([-1.0, -0.5, 0.0, 0.2, 1.0], dtype=np.float32))


def test_an_update_applies_the_clipping_of_its_mode():
    """With SGD, w moves by -alpha times the clipped gradient, for either mode."""
    arch, rng = Architecture(2, 32, "relu"), np.random.default_rng(3)
    buf = ReplayBuffer(2, 64)
    for _ in range(40):
        buf.add(rng.normal(size=(2, 3)), rng.integers(0, 3, 2), 10 * rng.normal(size=2), rng.normal(size=(2, 3)), 0.0)
    batch = buf.sample(np.arange(2), rng.random((2, 16)))
    for mode in ("element", "global_norm"):
        settings = DQNSettings.from_config(optimizer="sgd", learning_rate=0.1, grad_clip=0.01, grad_clip_mode=mode)
        group = DQNGroup(arch, [0, 1], [fresh_member(arch, np.random.default_rng(i)) for i in range(2)], settings)
        before = group.online.flat.copy()
        grads, _ = group.compute_gradients(batch)
        grads = grads.copy()
        CLIPPERS[mode](grads, group.online.shapes, np.float32(0.01))
        group.update(batch)
        np.testing.assert_allclose(group.online.flat, before - np.float32(0.1) * grads, rtol=0, atol=1e-7)
