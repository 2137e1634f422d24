"""The benchmark scripts run and print their figures (a short run of each), so the numbers quoted
in docs/performance.md can always be remeasured with the committed code."""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def bench(script: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, f"benchmarks/{script}", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_bench_train_prints_steps_per_second_per_fixed_agent():
    out = bench("bench_train.py", "--config", "config/smoke.yaml", "--episodes", "2", "--seeds", "2")
    rates = re.findall(r"([\d,]+) env steps/s", out)
    assert len(rates) == 3 and all(int(r.replace(",", "")) > 0 for r in rates)


@pytest.mark.parametrize("study", ["plain", "nas_heavy"])
def test_bench_study_prints_both_cpu_times_their_ratio_and_the_arithmetic_limit(study):
    out = bench("bench_study.py", "--config", "config/smoke.yaml", "--study", study, "--budget", "4", "--runs-per-job", "4")
    assert re.search(r"one process per run +[\d.]+ s CPU", out)
    ratio = float(re.search(r"ratio ([\d.]+)", out).group(1))
    assert 0 < ratio < 5
    assert "GFLOP/s" in out and "arithmetic limit" in out


def test_bench_update_prints_the_update_against_its_matmuls():
    out = bench("bench_update.py", "--reps", "5")
    assert len(re.findall(r"ratio +([\d.]+)x", out)) == 16


def test_kernel_probe_prints_a_digest_per_layer():
    out = bench("kernel_probe.py", "--quick")
    assert out.count('"update ') == 6 and out.count('"acting ') == 3


def test_bench_checkpoint_prints_the_share_of_training_time():
    out = bench("bench_checkpoint.py", "--config", "config/smoke.yaml", "--episodes", "4")
    assert re.search(r"[\d.]+% of training time", out)


@pytest.mark.skipif(importlib.util.find_spec("stable_baselines3") is None, reason="stable-baselines3 is not installed")
def test_bench_vs_sb3_prints_a_ratio_per_network():
    out = bench("bench_vs_sb3.py", "--steps", "300", "--rounds", "1")
    assert len(re.findall(r"(\d+\.\d+)x", out)) >= 3


def test_kernel_speed_prints_a_time_per_core_type_and_shape():
    out = bench("kernel_speed.py", "--rounds", "1", "--reps", "20", "--cores", "Haswell", "SkylakeX")
    assert "Haswell" in out and "SkylakeX" in out and "128x64x64" in out, out


def test_bench_rates_prints_the_tables_resources_holds():
    out = bench("bench_rates.py", "--steps", "200", "--archs", "1", "--tasks", "CartPole-v1")
    assert out.startswith("CPU: ") and re.search(r"2x32-relu +act +[\d.]+ us/step +update +[-\d.]+ us", out)
    assert "ACT_US = {(2, 32):" in out and "UPDATE_US = {(2, 32):" in out and "'CartPole-v1':" in out
