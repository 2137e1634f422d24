"""Section 2.2.3 and 2.3.1: the update the agent applies equals the paper's formulas."""
import numpy as np
import pytest
import torch

from nasdqn.learning.dqn import DQNGroup, DQNSettings, ReplayBuffer, fresh_member
from nasdqn.learning.network import LEAKY_SLOPE, Architecture


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


def test_replay_ring_buffer_and_pruning():
    buf = ReplayBuffer(2, capacity=5)
    for k in range(7):
        buf.add(np.full((2, 3), k, np.float32), np.array([k % 3, 0]), np.array([k, -k], np.float32),
                np.full((2, 3), k + 1, np.float32), 0.0)
    assert list(buf.size) == [5, 5] and list(buf.pos) == [2, 2]
    assert [buf.reward[0, i] for i in buf.chronological(0)] == [2, 3, 4, 5, 6]
    buf.keep_recent(0, 2)
    assert buf.size[0] == 2 and list(buf.reward[0, :2]) == [5, 6] and buf.size[1] == 5
    both, action, reward, not_done = buf.sample(np.array([0]), np.linspace(0, 0.99, 8)[None])
    assert set(reward.ravel()) <= {5.0, 6.0}
    assert np.array_equal(both[:, 8:], both[:, :8] + 1)  # [s; s']: next_obs = obs + 1


def test_adam_matches_torch_adam():
    """The numpy Adam (nasdqn/learning/optim.py) against torch.optim.Adam on the same gradients."""
    from nasdqn.learning.optim import Adam

    rng = np.random.default_rng(9)
    w = rng.normal(size=50).astype(np.float32)
    ours = w.copy()
    ref = torch.from_numpy(w.copy()).requires_grad_()
    opt = torch.optim.Adam([ref], lr=1e-2)
    adam = Adam(50, np.zeros(50, dtype=np.int64), (0.9, 0.999), 1e-8, 1e-2)
    for t in range(1, 40):
        g = rng.normal(size=50).astype(np.float32)
        adam.step(ours, g.copy(), np.array([t]))
        ref.grad = torch.from_numpy(g)
        opt.step()
    assert np.allclose(ours, ref.detach().numpy(), rtol=1e-5, atol=1e-6)


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
