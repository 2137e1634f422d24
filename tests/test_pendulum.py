"""The pendulum (nasdqn/tasks/pendulum.py), section 2.1, equation by equation."""
import math

import numpy as np
import pytest

from nasdqn.tasks.pendulum import InvertedPendulum, PendulumParams, VecPendulum, wrap_angle


def reference_step(theta, omega, action):
    """The paper's equations written out independently, in plain Python floats."""
    g, l, m, dt, wmax, tau_max, lam = 9.8, 1.0, 1.0, 0.02, 8.0, 2.0, 0.001
    tau = (action - 1) * tau_max
    reward = math.cos(theta) - lam * tau**2
    omega_next = min(max(omega + (g / l * math.sin(theta) + tau / (m * l**2)) * dt, -wmax), wmax)
    theta_next = theta + omega_next * dt
    while theta_next <= -math.pi:
        theta_next += 2 * math.pi
    while theta_next > math.pi:
        theta_next -= 2 * math.pi
    return theta_next, omega_next, reward


def test_step_matches_paper_equations():
    rng = np.random.default_rng(0)
    env = InvertedPendulum()
    env.reset(seed=0)
    for _ in range(500):
        theta, omega = rng.uniform(-math.pi, math.pi), rng.uniform(-8, 8)
        action = int(rng.integers(3))
        env.state = np.array([theta, omega])
        obs, reward, terminated, truncated, _ = env.step(action)
        t2, w2, r = reference_step(theta, omega, action)
        assert env.state[1] == pytest.approx(w2, abs=1e-12)
        assert math.isclose(math.cos(env.state[0]), math.cos(t2), abs_tol=1e-12)
        assert math.isclose(math.sin(env.state[0]), math.sin(t2), abs_tol=1e-12)
        assert reward == pytest.approx(r, abs=1e-12)
        assert obs == pytest.approx(np.array([math.cos(t2), math.sin(t2), w2], dtype=np.float32), abs=1e-6)
        assert not terminated


def test_velocity_clipped_before_angle_update():
    env = InvertedPendulum()
    env.reset(seed=1)
    env.state = np.array([0.0, 7.99])
    env.step(2)  # +2 torque pushes omega past 8
    assert env.state[1] == 8.0
    assert env.state[0] == pytest.approx(8.0 * 0.02)


def test_angle_wraps_into_half_open_interval():
    assert wrap_angle(math.pi) == pytest.approx(math.pi)
    assert wrap_angle(-math.pi) == pytest.approx(math.pi)
    values = wrap_angle(np.linspace(-20, 20, 1001))
    assert np.all(values > -math.pi) and np.all(values <= math.pi)


def test_reward_uses_state_before_step_and_torque_penalty():
    env = InvertedPendulum()
    env.reset(seed=0)
    env.state = np.array([0.3, 0.0])
    _, reward, *_ = env.step(0)
    assert reward == pytest.approx(math.cos(0.3) - 0.001 * 4.0)


def test_horizon_truncates_at_200_steps():
    env = InvertedPendulum()
    env.reset(seed=3)
    flags = [env.step(1)[3] for _ in range(200)]
    assert flags[-1] and not any(flags[:-1])


def test_initial_state_distributions():
    env = InvertedPendulum()
    starts = np.array([env.reset(seed=s)[0] for s in range(200)])
    theta = np.arctan2(starts[:, 1], starts[:, 0])
    assert np.abs(theta).max() <= 0.05 + 1e-6 and np.abs(starts[:, 2]).max() <= 0.05 + 1e-6
    wide = InvertedPendulum(PendulumParams(initial_state="full_circle", initial_omega_high=1.0))
    starts = np.array([wide.reset(seed=s)[0] for s in range(400)])
    theta = np.arctan2(starts[:, 1], starts[:, 0])
    assert theta.min() < -2.5 and theta.max() > 2.5
    with pytest.raises(ValueError, match="initial_state"):
        PendulumParams(initial_state="sideways")


def test_reset_seed_is_deterministic_and_action_checked():
    a, b = InvertedPendulum(), InvertedPendulum()
    assert np.array_equal(a.reset(seed=7)[0], b.reset(seed=7)[0])
    with pytest.raises(ValueError, match="action"):
        a.step(3)


def test_vectorised_matches_single():
    n = 5
    vec = VecPendulum(n)
    singles = [InvertedPendulum() for _ in range(n)]
    obs = vec.reset([np.random.default_rng(s) for s in range(n)])
    for s, env in enumerate(singles):
        o, _ = env.reset(seed=s)
        assert np.array_equal(o, obs[s])
    rng = np.random.default_rng(9)
    for t in range(200):
        actions = rng.integers(0, 3, n)
        vobs, vrew, over = vec.step(actions)
        for s, env in enumerate(singles):
            o, r, _, trunc, _ = env.step(int(actions[s]))
            assert np.array_equal(o, vobs[s]) and r == vrew[s] and trunc == over
