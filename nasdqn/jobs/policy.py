"""Saved greedy policies: one Q-network's weights plus the architecture that reads them.

A policy file is a plain dict of tensors, strings and numbers written with torch.save,
so that `torch.load(path, weights_only=True)` can open it without running any pickled
code. Loading checks every field, because a policy file may come from another run,
another version of this code or another program altogether, and a silently wrong
network would only show up later as a bad evaluation.
"""
from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nasdqn.jobs.results import atomic_write_bytes
from nasdqn.learning.network import LEAKY_SLOPE, Architecture, forward_np
from nasdqn.settings.errors import PolicyError

FORMAT = "nasdqn-policy"
VERSION = 1
META_TYPES = (str, int, float)
# The activation of a hidden layer as a torch module (leaky ReLU: nasdqn/learning/network.py's slope).
TORCH_ACTIVATIONS = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "leaky_relu": lambda: torch.nn.LeakyReLU(float(LEAKY_SLOPE))}


@dataclass(frozen=True, eq=False)
class Policy:
    """A loaded network: `params` in init_params layout [W_1..W_{L+1}, b_1..b_{L+1}], read-only."""

    arch: Architecture
    params: list[np.ndarray]
    meta: dict[str, str | int | float] = field(default_factory=dict)

    def q_values(self, obs: np.ndarray) -> np.ndarray:
        """obs (N, obs_dim) -> Q (N, n_actions), the forward pass of section 2.2.1."""
        return forward_np(self.params, self.arch.activation, np.asarray(obs, dtype=np.float32))

    def greedy(self, obs: np.ndarray) -> np.ndarray:
        """obs (N, obs_dim) -> the greedy actions (N,), ties to the lowest action."""
        return np.argmax(self.q_values(obs), axis=-1)

    def to_torch(self) -> torch.nn.Sequential:
        """The network as a torch module (a fresh copy of the weights, in eval mode): a float32
        tensor of observations (N, obs_dim) -> Q-values (N, n_actions), the same as `q_values`
        to float32 precision. Linear layers hold W_l transposed (torch's (out, in) layout) and b_l."""
        n = self.arch.layers + 1
        modules: list[torch.nn.Module] = []
        for l in range(n):
            weight, bias = self.params[l], self.params[n + l]
            linear = torch.nn.Linear(*weight.shape)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(weight.T)))
                linear.bias.copy_(torch.from_numpy(bias.reshape(-1).copy()))
            modules.append(linear)
            if l < n - 1:
                modules.append(TORCH_ACTIVATIONS[self.arch.activation]())
        return torch.nn.Sequential(*modules).eval()


def param_names(arch: Architecture) -> list[str]:
    """State-dict keys in init_params order: W1..W{L+1}, b1..b{L+1}."""
    n = arch.layers + 1
    return [f"W{i}" for i in range(1, n + 1)] + [f"b{i}" for i in range(1, n + 1)]


def param_shapes(arch: Architecture, obs_dim: int = 3, n_actions: int = 3) -> list[tuple[int, int]]:
    """Shapes in init_params order: W_l (n_{l-1}, n_l), then b_l (1, n_l)."""
    s = arch.sizes(obs_dim, n_actions)
    return [(a, b) for a, b in itertools.pairwise(s)] + [(1, b) for b in s[1:]]


def io_dims(arch: Architecture, params: list[np.ndarray]) -> tuple[int, int]:
    """(observation size, number of actions) that `params` read and write."""
    if len(params) != 2 * (arch.layers + 1):
        return 3, 3
    return int(params[0].shape[0]), int(params[arch.layers].shape[-1])


def params_problem(arch: Architecture, params: list[np.ndarray], dims: tuple[int, int] | None = None) -> str | None:
    """Why `params` cannot be `arch`'s weights (count, shape, dtype, finiteness), or None."""
    names, shapes = param_names(arch), param_shapes(arch, *(dims or io_dims(arch, params)))
    if len(params) != len(names):
        return f"{arch.name} needs {len(names)} parameter arrays, got {len(params)}"
    for name, shape, p in zip(names, shapes, params):
        if tuple(p.shape) != shape:
            return f"{name} has shape {tuple(p.shape)}, {arch.name} needs {shape}"
        if p.dtype != np.float32:
            return f"{name} has dtype {p.dtype}, expected float32"
        if not np.isfinite(p).all():
            return f"{name} has non-finite values"
    return None


def _clean_meta(meta: dict[str, Any]) -> dict[str, str | int | float]:
    """Numpy scalars become Python numbers: weights_only loading accepts only plain types."""
    out: dict[str, str | int | float] = {}
    for key, value in meta.items():
        if isinstance(value, np.generic):
            value = value.item()
        if not isinstance(key, str) or not isinstance(value, META_TYPES):
            raise TypeError(f"policy meta: {key!r} -> {value!r} is not str -> str/int/float")
        out[key] = value
    return out


def save_policy(
    path: str | Path, arch: Architecture, params: list[np.ndarray], meta: dict[str, Any] | None = None
) -> None:
    """Write atomically, so that a reader never sees half a policy."""
    params = [np.asarray(p) for p in params]
    problem = params_problem(arch, params)
    if problem is not None:
        raise ValueError(f"save_policy {path}: {problem}")
    content = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": {"layers": arch.layers, "units": arch.units, "activation": arch.activation},
        "io": dict(zip(("obs_dim", "n_actions"), io_dims(arch, params))),
        "state_dict": {
            name: torch.from_numpy(p).clone().contiguous() for name, p in zip(param_names(arch), params)
        },
        "meta": _clean_meta(meta or {}),
    }
    buf = io.BytesIO()
    torch.save(content, buf)
    atomic_write_bytes(path, buf.getvalue())


def _read(path: Path) -> Any:
    """torch.load with weights_only=True; every way of failing becomes a PolicyError."""
    if not path.is_file():
        problem = "not a regular file" if path.exists() else "no such file"
        raise PolicyError(f"policy file {path}: {problem}")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # corrupt input can fail anywhere in unzip/unpickle
        raise PolicyError(f"policy file {path}: not a readable torch file ({_reason(exc)})") from exc


def _reason(exc: Exception) -> str:
    """The informative line of a torch.load error (the weights-only one leads with advice)."""
    text = str(exc)
    if "WeightsUnpickler error:" in text:
        text = text.split("WeightsUnpickler error:", 1)[1]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0][:160]}" if lines else type(exc).__name__


def _architecture(path: Path, raw: Any) -> Architecture:
    if not isinstance(raw, dict) or set(raw) != {"layers", "units", "activation"}:
        raise PolicyError(f"policy file {path}: 'architecture' must be a dict of layers, units, activation")
    for key in ("layers", "units"):
        if type(raw[key]) is not int:
            raise PolicyError(f"policy file {path}: architecture.{key} must be an int, got {raw[key]!r}")
    try:
        return Architecture(raw["layers"], raw["units"], raw["activation"])
    except ValueError as exc:
        raise PolicyError(f"policy file {path}: {exc}") from None


def _io(path: Path, raw: Any) -> tuple[int, int]:
    """The network's input and output sizes (3, 3 for the pendulum, and files written before
    other tasks existed)."""
    if raw is None:
        return 3, 3
    ok = isinstance(raw, dict) and set(raw) == {"obs_dim", "n_actions"} and all(type(v) is int and v > 0 for v in raw.values())
    if not ok:
        raise PolicyError(f"policy file {path}: 'io' must be a dict of positive ints obs_dim, n_actions")
    return raw["obs_dim"], raw["n_actions"]


def _params(path: Path, arch: Architecture, state: Any, dims: tuple[int, int]) -> list[np.ndarray]:
    names = param_names(arch)
    if not isinstance(state, dict) or set(state) != set(names):
        got = sorted(state) if isinstance(state, dict) else type(state).__name__
        raise PolicyError(f"policy file {path}: state_dict keys {got} do not match {arch.name} ({names})")
    if not all(isinstance(state[n], torch.Tensor) for n in names):
        raise PolicyError(f"policy file {path}: state_dict values must be tensors")
    params = [state[n].detach().cpu().numpy().copy() for n in names]
    problem = params_problem(arch, params, dims)
    if problem is not None:
        raise PolicyError(f"policy file {path}: {problem}")
    for p in params:
        p.setflags(write=False)
    return params


def _meta(path: Path, raw: Any) -> dict[str, str | int | float]:
    ok = isinstance(raw, dict) and all(isinstance(k, str) and isinstance(v, META_TYPES) for k, v in raw.items())
    if not ok:
        raise PolicyError(f"policy file {path}: 'meta' must be a dict of str -> str/int/float")
    return dict(raw)


def load_policy(path: str | Path) -> Policy:
    """Read and check a file written by save_policy."""
    path = Path(path)
    content = _read(path)
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        found = content.get("format") if isinstance(content, dict) else type(content).__name__
        raise PolicyError(f"policy file {path}: foreign file (format {found!r}, expected {FORMAT!r})")
    if type(content.get("version")) is not int or content["version"] != VERSION:
        raise PolicyError(
            f"policy file {path}: unsupported version {content.get('version')!r} (expected {VERSION})"
        )
    arch = _architecture(path, content.get("architecture"))
    params = _params(path, arch, content.get("state_dict"), _io(path, content.get("io")))
    return Policy(arch, params, _meta(path, content.get("meta", {})))
