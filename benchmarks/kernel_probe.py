"""Which layers' bits depend on the CPU's kernels: one probe, run under different kernel choices.

    python benchmarks/kernel_probe.py            # prints one digest per layer
    MKL_CBWR=COMPATIBLE python benchmarks/kernel_probe.py
    OPENBLAS_CORETYPE=Haswell python benchmarks/kernel_probe.py
    ATEN_CPU_CAPABILITY=default python benchmarks/kernel_probe.py
    NPY_DISABLE_CPU_FEATURES="AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL" python benchmarks/kernel_probe.py

A machine's math libraries pick their kernels by CPU (OpenBLAS by core type, MKL by instruction
set, ATen's vectorised loops by capability, numpy's ufuncs by SIMD extension); the variables above
make one machine run another machine's kernels. Each layer of a training step is fed the same
inputs (fixed seeds) and its output bytes hashed: the acting forward pass, the learning
update (forward, backward, clipping, the optimiser), a distillation, the environments, and
a short training run of every activation. The same digest under every setting means the layer does
not depend on those kernels; docs/performance.md ("Numbers that do not depend on the CPU") has the
table of a machine. Used by tests/test_kernels.py, which runs it under several settings.
"""
from __future__ import annotations

# isort: off
import nasdqn  # noqa: F401  (first: fixes OpenBLAS's kernel before numpy loads, as in every CLI process)
# isort: on

import hashlib
import json
import os
import sys
import tempfile

import numpy as np

from nasdqn.learning.dqn import DQNGroup, DQNSettings, fresh_member
from nasdqn.learning.network import StackedMLP, forward_np
from nasdqn.learning.warm_start import distill
from nasdqn.settings.space import Architecture

ARCHS = [Architecture(4, 128, "relu"), Architecture(3, 64, "tanh"), Architecture(2, 128, "leaky_relu")]


def digest(*arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(np.asarray(a)).tobytes())
    return h.hexdigest()[:12]


def acting(arch: Architecture) -> str:
    rng = np.random.default_rng(1)
    members = [fresh_member(arch, rng).online for _ in range(5)]
    net = StackedMLP(arch, members)
    obs = rng.normal(size=(5, 3)).astype(np.float32)
    single = forward_np(members[0], arch.activation, rng.normal(size=(64, 3)).astype(np.float32))
    return digest(net.q_values_np(obs), single)


def learning(arch: Architecture, optimizer: str) -> str:
    rng = np.random.default_rng(2)
    group = DQNGroup(arch, [0, 1, 2], [fresh_member(arch, rng) for _ in range(3)], DQNSettings.from_config(optimizer=optimizer, batch_size=64))
    g = np.random.default_rng(3)
    for k in range(20):
        batch = (g.normal(size=(3, 128, 3)).astype(np.float32), g.integers(0, 3, (3, 64, 1)), g.normal(size=(3, 64, 1)).astype(np.float32),
                 np.ones((3, 64, 1), dtype=np.float32))
        group.update(batch, None if k % 3 else np.array([True, False, True]))  # some steps with a member not due
    return digest(group.online.flat, group.loss_sum, group.adam.m if group.adam else [])


def distillation(arch: Architecture) -> str:
    rng = np.random.default_rng(4)
    old, new = fresh_member(arch, rng).online, fresh_member(Architecture(2, 64, arch.activation), rng).online
    states = rng.normal(size=(500, 3)).astype(np.float32)
    return digest(*distill(old, arch, new, Architecture(2, 64, arch.activation), states, 30, 32, 1e-3, np.random.default_rng(5)))


def training(config: str, agent: str, budget: int) -> str:
    from nasdqn.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "run")
        rc = main(["train", "--config", config, "--agent", agent, "--seed", "0", "--budget", str(budget), "--out", out,
                   "--progress-every", "1000"])
        assert rc == 0
        return digest(*(open(os.path.join(out, f), "rb").read() for f in ("episodes.csv", "architectures.csv", "evaluations.csv")))


def probe(full: bool = True) -> dict[str, str]:
    out = {}
    for arch in ARCHS:
        out[f"acting {arch.name}"] = acting(arch)
        for opt in ("sgd", "adam"):
            out[f"update {arch.name} {opt}"] = learning(arch, opt)
        out[f"distill {arch.name}"] = distillation(arch)
    if full:
        out["train pendulum fixed_large 30 episodes"] = training("config/config.yaml", "fixed_large", 30)
        out["train pendulum nas_dqn 30 episodes"] = training("config/smoke.yaml", "nas_dqn", 12)
        out["train cartpole nas_dqn 40 episodes"] = training("config/tasks/cartpole.yaml", "nas_dqn", 40)
    return out


if __name__ == "__main__":
    result = probe(full="--quick" not in sys.argv)
    print(json.dumps(result, indent=1))
