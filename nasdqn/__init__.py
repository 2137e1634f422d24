"""nasdqn: a reproduction of NAS-DQN (online neural architecture search for Deep Q-Networks).

Importing the package registers the paper's pendulum with Gymnasium (when Gymnasium is
installed): `gymnasium.make("nasdqn/InvertedPendulum-v0")`, T = 200 steps, reward threshold 150.
"""

from nasdqn.settings.kernels import fix_blas_kernel

fix_blas_kernel()  # before anything imports numpy: the same matrix-product kernel on every CPU

__version__ = "0.2.0"  # the one version number (pyproject.toml reads it; CHANGELOG.md says what changed)


def _register_pendulum() -> None:
    try:
        import gymnasium
    except ImportError:  # the workflow plans with only Snakemake, PyYAML and jsonschema installed
        return
    from nasdqn.settings.table import PENDULUM_ID

    if PENDULUM_ID not in gymnasium.registry:
        gymnasium.register(id=PENDULUM_ID, entry_point="nasdqn.tasks.gym_pendulum:GymInvertedPendulum",
                           max_episode_steps=200, reward_threshold=150.0)


_register_pendulum()
