"""The optimisers of the Q-network, on flat float32 parameter buffers (numpy).

`sgd_step`: the paper's update, w <- w - alpha g (section 2.2.3, after element-wise clipping).
`Adam` (Kingma and Ba, 2015), with each member of a stacked network keeping its own step count
for the bias corrections (members restart their optimiser at different times, and a member's
numbers must not depend on which members share its group). Saves its moments and step counts
through its owner (DQNGroup.member / MemberState).
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np


def sgd_step(flat: np.ndarray, grads: np.ndarray, learning_rate: float) -> None:
    """w <- w - alpha g, in place (grads is overwritten)."""
    grads *= np.float32(-learning_rate)
    flat += grads


def power(x: float, n: int) -> float:
    """x**n by repeated squaring in float64: a fixed sequence of IEEE multiplications, so the same
    bits on every CPU (a libm pow may differ in the last bit between implementations)."""
    out, base = 1.0, x
    while n:
        if n & 1:
            out *= base
        base *= base
        n >>= 1
    return out


@lru_cache(maxsize=1024)
def bias_factors(b1: float, b2: float, learning_rate: float, t: int) -> tuple[np.float32, np.float32]:
    """(lr / (1 - b1^t), sqrt(1 - b2^t)) as float32, for step count t."""
    return np.float32(learning_rate / (1.0 - power(b1, t))), np.float32(math.sqrt(1.0 - power(b2, t)))


class Adam:
    """m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2; w <- w - lr m_hat / (sqrt(v_hat) + eps),
    m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t), t the member's own step count."""

    def __init__(self, size: int, member_of: np.ndarray, betas: tuple[float, float], eps: float, learning_rate: float) -> None:
        self.m = np.zeros(size, dtype=np.float32)
        self.v = np.zeros(size, dtype=np.float32)
        self.member_of = member_of  # the member each element of the flat buffer belongs to
        self.b1, self.b2 = np.float32(betas[0]), np.float32(betas[1])
        self.eps, self.lr = np.float32(eps), np.float32(learning_rate)
        self._work = np.empty(size, dtype=np.float32)

    def step(self, flat: np.ndarray, grads: np.ndarray, steps: np.ndarray) -> None:
        """One step of every member; steps: each member's step count after this step (>= 1).
        Bias corrections are computed in float64 per member (bias_factors), then used as float32."""
        m, v, w = self.m, self.v, self._work
        m *= self.b1
        np.multiply(grads, np.float32(1.0) - self.b1, out=w)
        m += w
        v *= self.b2
        np.multiply(grads, grads, out=w)
        w *= np.float32(1.0) - self.b2
        v += w
        same = bool((steps == steps[0]).all())
        factors = [bias_factors(float(self.b1), float(self.b2), float(self.lr), int(s)) for s in (steps[:1] if same else steps)]
        step_size = np.array([f[0] for f in factors], dtype=np.float32)  # lr / (1 - b1^t), per member
        root_bc2 = np.array([f[1] for f in factors], dtype=np.float32)  # sqrt(1 - b2^t), per member
        np.sqrt(v, out=w)  # sqrt(v_hat) + eps = sqrt(v) / sqrt(1 - b2^t) + eps
        if same:
            w /= root_bc2[0]
        else:
            w /= root_bc2[self.member_of]
        w += self.eps
        np.divide(m, w, out=w)
        if same:
            w *= step_size[0]
        else:
            w *= step_size[self.member_of]
        flat -= w
