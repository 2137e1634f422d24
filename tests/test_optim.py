"""The optimisers (nasdqn/learning/optim.py): the numpy Adam is torch's."""
import numpy as np
import torch

from nasdqn.learning.optim import Adam


def test_adam_matches_torch_adam():
    """The numpy Adam against torch.optim.Adam on the same gradients."""
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
