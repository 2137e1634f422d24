"""The fair test end to end on a tiny study (the smoke protocol with the oracle, two readings,
NAS-DQN, the yoked control and Random-NAS): the workflow trains the yoked runs after their
partners', they switch exactly where their partners switched, and the fairtest and reread
commands write their tables, the same bytes on a second run."""
from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
import yaml

from conftest import copy_workflow, snakemake


def tiny_fair_test(work) -> str:
    s = yaml.safe_load((work / "config/smoke.yaml").read_text())
    s["protocol"].update(oracle=True, study="fairtest_tiny", seeds=[0, 1], runs_per_job=60, eval_every=4, eval_episodes=3)
    s["nas"].update(arch_update_interval=2, score_window=1, memory_pruning="keep_all", revisit="resume", commit_at=0.5, agent_stream=True,
                    distill_steps=50)
    s["agents"] = {"nas_dqn": {"label": "NAS-DQN", "controller": "nas"},
                   "yoked": {"label": "Yoked", "controller": "yoked", "partner": "nas_dqn"},
                   "random_nas": {"label": "Random-NAS", "controller": "random"}}
    s["roles"] = {"reference": "nas_dqn", "random_search": "random_nas", "matched_random": None,
                  "fixed": ["arch_2x32_relu", "arch_3x64_relu", "arch_4x128_relu"], "large_fixed": "arch_4x128_relu",
                  "medium_fixed": "arch_3x64_relu"}
    s["variants"] = {"reinit": {"nas": {"transition": "reinit"}}, "grow": {"nas": {"transition": "grow"}}}
    (work / "config/tiny_fair.yaml").write_text(yaml.safe_dump(s, sort_keys=False))
    return "config/tiny_fair.yaml"


def nasdqn(work, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "nasdqn", *args], cwd=work, check=True, capture_output=True, env={"PYTHONPATH": str(work),
                   "PATH": "/usr/bin:/bin"})


@pytest.mark.e2e
def test_the_fair_test_runs_end_to_end(tmp_path):
    work = copy_workflow(tmp_path / "w")
    config = tiny_fair_test(work)
    root = "results/studies/fairtest_tiny/variants"
    targets = [f"{root}/{v}/metrics/per_run.csv" for v in ("reinit", "grow")]
    snakemake(work, *targets, "--configfile", config, "--cores", "2")
    runs = pd.read_csv(work / f"{root}/reinit/metrics/runs.csv")
    dirs = {(r.agent, r.seed): work / r.directory for r in runs.itertuples()}
    for seed in (0, 1):
        partner = pd.read_csv(dirs[("nas_dqn", seed)] / "architectures.csv")
        yoked = pd.read_csv(dirs[("yoked", seed)] / "architectures.csv")
        assert list(yoked["transition"]) == list(partner["transition"]) and yoked["architecture"][0] == partner["architecture"][0]
        assert (dirs[("yoked", seed)] / "run.json").stat().st_mtime >= (dirs[("nas_dqn", seed)] / "run.json").stat().st_mtime
    nasdqn(work, "mechanism", "--study", "tiny=results/studies/fairtest_tiny", "--out", "mechanism")  # the first study's per-run format
    for out in ("a", "b"):
        nasdqn(work, "fairtest", "--study", f"tiny={config}", "--out", f"out_{out}")
        nasdqn(work, "reread", "--config", config, "--per-run", "mechanism/per_run.csv", "--results", "results", "--out", f"reread_{out}")
    for name in ("per_run.csv", "contrasts.csv", "switch_cost.csv", "warm_starts.csv", "curves.csv", "answer.png"):
        assert (work / "out_a" / name).read_bytes() == (work / "out_b" / name).read_bytes(), name
    for name in ("switch_cost.csv", "ranking_by_budget.csv", "curves.csv", "switch_cost.png"):
        assert (work / "reread_a" / name).read_bytes() == (work / "reread_b" / name).read_bytes(), name
    changed = pd.read_csv(work / "mechanism/per_run.csv")  # the runs are checked against the table they re-read
    changed.loc[0, "final_performance"] += 1.0
    changed.to_csv(work / "changed.csv", index=False)
    proc = subprocess.run([sys.executable, "-m", "nasdqn", "reread", "--config", config, "--per-run", "changed.csv", "--results", "results",
                           "--out", "reread_c"], cwd=work, capture_output=True, text=True, env={"PYTHONPATH": str(work), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 1 and "1 run(s) do not match changed.csv" in proc.stderr and not (work / "reread_c").exists()
    contrasts = pd.read_csv(work / "out_a/contrasts.csv")
    assert contrasts.loc[0, "family"] == "primary" and contrasts.loc[0, "contrast"] == "NAS-DQN - yoked"
    assert set(contrasts["verdict"]) <= {"supported", "contradicted", "inconclusive"}
