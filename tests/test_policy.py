"""Saved policies: round trip, weights-only loading, and a clear error for every bad file."""
from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from nasdqn.jobs.policy import Policy, PolicyError, load_policy, param_names, save_policy
from nasdqn.learning.network import Architecture, activate_, init_params

ARCHS = [Architecture(2, 32, "relu"), Architecture(3, 64, "tanh"), Architecture(4, 128, "leaky_relu")]


def random_params(arch: Architecture, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    params = init_params(arch, rng)
    # non-zero biases, so that a bias mix-up shows
    return params[: arch.layers + 1] + [rng.normal(size=p.shape).astype(np.float32) for p in params[arch.layers + 1 :]]


def manual_forward(arch: Architecture, params: list[np.ndarray], obs: np.ndarray) -> np.ndarray:
    n = arch.layers + 1
    h = obs
    for l in range(n):
        h = h @ params[l] + params[n + l][0]
        if l < n - 1:
            h = activate_(h.copy(), arch.activation)
    return h


def write_torch(path: Path, obj: object) -> None:
    buf = io.BytesIO()
    torch.save(obj, buf)
    path.write_bytes(buf.getvalue())


def good_content(arch: Architecture) -> dict:
    params = random_params(arch)
    return {
        "format": "nasdqn-policy",
        "version": 1,
        "architecture": {"layers": arch.layers, "units": arch.units, "activation": arch.activation},
        "state_dict": {k: torch.from_numpy(p.copy()) for k, p in zip(param_names(arch), params)},
        "meta": {},
    }


@pytest.mark.parametrize("arch", ARCHS, ids=lambda a: a.name)
def test_round_trip(tmp_path: Path, arch: Architecture) -> None:
    params = random_params(arch, seed=arch.layers)
    meta = {"agent": "nas_dqn", "seed": np.int64(7), "episode": 300, "return": 181.5}
    path = tmp_path / f"{arch.name}.pt"
    save_policy(path, arch, params, meta)
    policy = load_policy(path)
    assert isinstance(policy, Policy)
    assert policy.arch == arch
    assert policy.meta == {"agent": "nas_dqn", "seed": 7, "episode": 300, "return": 181.5}
    assert type(policy.meta["seed"]) is int
    assert len(policy.params) == len(params)
    for got, want in zip(policy.params, params):
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, want)
    obs = np.random.default_rng(1).normal(size=(17, 3)).astype(np.float32)
    q = policy.q_values(obs)
    assert q.shape == (17, 3)
    np.testing.assert_allclose(q, manual_forward(arch, params, obs), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(policy.greedy(obs), np.argmax(q, axis=1))


def test_file_is_a_plain_weights_only_dict(tmp_path: Path) -> None:
    arch = ARCHS[2]
    path = tmp_path / "p.pt"
    save_policy(path, arch, random_params(arch), {"agent": "fixed"})
    content = torch.load(path, weights_only=True)
    assert content["format"] == "nasdqn-policy" and content["version"] == 1
    assert content["architecture"] == {"layers": 4, "units": 128, "activation": "leaky_relu"}
    assert list(content["state_dict"]) == ["W1", "W2", "W3", "W4", "W5", "b1", "b2", "b3", "b4", "b5"]
    assert content["state_dict"]["W1"].shape == (3, 128) and content["state_dict"]["b5"].shape == (1, 3)
    assert all(t.dtype == torch.float32 and t.is_contiguous() for t in content["state_dict"].values())
    assert content["meta"] == {"agent": "fixed"}
    assert [p.name for p in tmp_path.iterdir()] == ["p.pt"]  # no temporary file left


def test_loaded_params_are_read_only(tmp_path: Path) -> None:
    arch = ARCHS[0]
    save_policy(tmp_path / "p.pt", arch, random_params(arch))
    with pytest.raises(ValueError):
        load_policy(tmp_path / "p.pt").params[0][0, 0] = 1.0


def test_save_rejects_bad_params(tmp_path: Path) -> None:
    arch = ARCHS[0]
    params = random_params(arch)
    with pytest.raises(ValueError, match="W1 has shape"):
        save_policy(tmp_path / "p.pt", arch, [params[0].T] + params[1:])
    with pytest.raises(ValueError, match="needs 6 parameter arrays"):
        save_policy(tmp_path / "p.pt", arch, params[:-1])
    with pytest.raises(ValueError, match="non-finite"):
        save_policy(tmp_path / "p.pt", arch, params[:-1] + [np.full((1, 3), np.inf, dtype=np.float32)])
    with pytest.raises(TypeError, match="meta"):
        save_policy(tmp_path / "p.pt", arch, params, {"bad": [1, 2]})
    assert not (tmp_path / "p.pt").exists()


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, a word the error message must contain)."""
    arch = ARCHS[0]
    good = tmp_path / "good.pt"
    save_policy(good, arch, random_params(arch))
    data = good.read_bytes()
    cases: dict[str, tuple[Path, str]] = {"missing": (tmp_path / "missing.pt", "no such file")}
    (tmp_path / "truncated.pt").write_bytes(data[: len(data) // 2])
    cases["truncated"] = (tmp_path / "truncated.pt", "not a readable torch file")
    (tmp_path / "random.pt").write_bytes(np.random.default_rng(0).bytes(500))
    cases["random"] = (tmp_path / "random.pt", "not a readable torch file")
    write_torch(tmp_path / "tensor.pt", torch.zeros(3))
    cases["tensor"] = (tmp_path / "tensor.pt", "foreign")
    content = good_content(arch) | {"format": "other"}
    write_torch(tmp_path / "other.pt", content)
    cases["other"] = (tmp_path / "other.pt", "foreign")
    write_torch(tmp_path / "version.pt", good_content(arch) | {"version": 2})
    cases["version"] = (tmp_path / "version.pt", "version")
    content = good_content(arch)
    content["architecture"]["units"] = 48
    write_torch(tmp_path / "units48.pt", content)
    cases["units48"] = (tmp_path / "units48.pt", "architecture.units")
    content = good_content(arch)
    content["state_dict"]["W2"] = torch.zeros(32, 31)
    write_torch(tmp_path / "shape.pt", content)
    cases["shape"] = (tmp_path / "shape.pt", "W2 has shape")
    content = good_content(arch)
    del content["state_dict"]["b3"]
    write_torch(tmp_path / "keys.pt", content)
    cases["keys"] = (tmp_path / "keys.pt", "keys")
    content = good_content(arch)
    content["state_dict"]["W1"][0, 0] = float("nan")
    write_torch(tmp_path / "nan.pt", content)
    cases["nan"] = (tmp_path / "nan.pt", "non-finite")
    return cases


def test_bad_files_raise_policy_error_naming_the_file(tmp_path: Path) -> None:
    for name, (path, problem) in _bad_files(tmp_path).items():
        with pytest.raises(PolicyError) as info:
            load_policy(path)
        message = str(info.value)
        assert path.name in message, (name, message)
        assert problem in message, (name, message)
        assert isinstance(info.value, ValueError)


def test_a_directory_is_not_a_policy(tmp_path: Path) -> None:
    os.mkdir(tmp_path / "dir.pt")
    with pytest.raises(PolicyError, match="dir.pt"):
        load_policy(tmp_path / "dir.pt")


@pytest.mark.parametrize("activation", ["relu", "tanh", "leaky_relu"])
def test_to_torch_computes_the_saved_networks_q_values(tmp_path, activation):
    """load_policy(...).to_torch() is an nn.Module equal to the numpy forward pass (forward_np) to
    float32 precision, on random inputs and weights with non-zero biases, for a task's own sizes."""
    from nasdqn.learning.network import forward_np

    rng = np.random.default_rng(7)
    arch = Architecture(3, 64, activation)
    params = init_params(arch, rng, obs_dim=6, n_actions=3)
    for b in params[arch.layers + 1 :]:
        b += rng.normal(0, 0.5, size=b.shape).astype(np.float32)
    save_policy(tmp_path / "p.pt", arch, params, {"task": "Acrobot-v1"})
    policy = load_policy(tmp_path / "p.pt")
    net = policy.to_torch()
    assert isinstance(net, torch.nn.Module) and not net.training
    obs = (rng.normal(size=(256, 6)) * rng.choice([0.1, 1.0, 10.0], size=(256, 1))).astype(np.float32)
    with torch.no_grad():
        q = net(torch.from_numpy(obs)).numpy()
    assert q.dtype == np.float32 and q.shape == (256, 3)
    np.testing.assert_allclose(q, forward_np(params, activation, obs), rtol=1e-5, atol=1e-5)
    assert (q.argmax(axis=1) == policy.greedy(obs)).mean() > 0.99  # ties at float32 precision aside
    net[0].weight.data.zero_()  # a copy: the policy's own weights stay as saved
    np.testing.assert_array_equal(policy.q_values(obs), forward_np(params, activation, obs))
