"""The errors a user can cause, each with a message that names the key or file and what was
expected. The CLI turns any of them into `error: ...` and exit status 2; nothing else is caught."""
from __future__ import annotations


class NasdqnError(Exception):
    """Base of every user-facing error of the package."""


class ConfigError(NasdqnError, ValueError):
    """A config problem; the message names the key and what was expected."""


class UsageError(NasdqnError, ValueError):
    """A command-line argument that cannot work (the message names the flag)."""


class ResultsError(NasdqnError, ValueError):
    """A results file is missing, malformed or inconsistent; the message names the file."""


class PolicyError(NasdqnError, ValueError):
    """A policy file that cannot be used; the message names the file and the problem."""


class CheckpointError(NasdqnError, ValueError):
    """A checkpoint that must not be loaded (another run's, or unreadable); the message says why."""


class TrainingDiverged(NasdqnError, RuntimeError):
    """Loss or parameters became NaN/inf: stop instead of writing a curve of NaNs."""


class ManifestError(NasdqnError, ValueError):
    """A reference manifest that cannot be used (unreadable, not JSON, another format or format
    version); the message names the file and what was expected."""
