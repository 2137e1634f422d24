"""The replay memory (nasdqn/learning/replay.py): a ring buffer per run, pruning to the most recent
experiences, and minibatches of [s; s'] rows."""
import numpy as np

from nasdqn.learning.replay import ReplayBuffer


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
