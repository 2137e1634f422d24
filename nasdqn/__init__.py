"""nasdqn: a reproduction of NAS-DQN (online neural architecture search for Deep Q-Networks)."""

__version__ = "0.1.0"
