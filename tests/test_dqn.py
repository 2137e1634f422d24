"""The learner's gradient clipping (nasdqn/learning/dqn.py, dqn.grad_clip_mode)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from nasdqn.learning.dqn import CLIPPERS, DQNGroup, DQNSettings, ReplayBuffer, fresh_member, views
from nasdqn.learning.network import StackedMLP
from nasdqn.settings.space import Architecture


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
