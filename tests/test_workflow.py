"""The Snakemake workflow end to end on config/smoke.yaml, and its incremental behaviour."""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest
import yaml

from conftest import REPO, SMOKE, assert_same_results, copy_workflow, dry_run_jobs, planned_jobs, run_dir, snakemake
from nasdqn.analysis.claims import CLAIMS
from nasdqn.analysis.metrics import PER_RUN_COLUMNS
from nasdqn.settings.config import validate
from nasdqn.settings.figures import FIGURES, TIMED_FIGURES
from nasdqn.settings.workflow import planned_groups


@pytest.mark.e2e
def test_every_output_exists_and_is_well_formed(smoke_run):
    agents, seeds = list(SMOKE["agents"]), SMOKE["protocol"]["seeds"]
    for agent in agents:
        for seed in seeds:
            run = run_dir(smoke_run, agent, seed)
            ep = pd.read_csv(run / "episodes.csv")
            assert list(ep.columns[:7]) == ["episode", "return", "steps", "epsilon", "layers", "units", "activation"]
            assert len(ep) == SMOKE["protocol"]["budget"] and ep["return"].notna().all()
            arch = pd.read_csv(run / "architectures.csv")
            assert len(arch) == 3  # 12 episodes / windows of 4
            run_id = run.relative_to(smoke_run / "results/runs").parent.as_posix()  # <agent>/<settings hash>
            assert (smoke_run / f"results/logs/train/{run_id}/seed{seed}.log").exists()
            assert (smoke_run / f"results/benchmarks/train/{run_id}/seed{seed}.tsv").exists()
    per_run = pd.read_csv(smoke_run / "results/metrics/per_run.csv")
    assert list(per_run.columns) == PER_RUN_COLUMNS and len(per_run) == len(agents) * len(seeds)
    summary = pd.read_csv(smoke_run / "results/metrics/summary.csv")
    assert {"mean", "std", "ci95_low", "ci95_high"} <= set(summary.columns)
    claims = pd.read_csv(smoke_run / "results/metrics/claims.csv", keep_default_na=False)
    assert list(claims["claim"]) == [c.id for c in CLAIMS] and len(claims) >= 12
    assert set(claims["verdict"]) <= {"supported", "contradicted", "inconclusive", "not decidable", "not tested"}
    comparisons = pd.read_csv(smoke_run / "results/metrics/comparisons.csv")
    assert {"p_support", "p_contradict", "estimate", "ci_low", "ci_high", "permutation_p"} <= set(comparisons.columns)
    assert set(comparisons["than"]) >= set(agents) - {"nas_dqn"}
    robust = pd.read_csv(smoke_run / "results/metrics/robust.csv")
    assert set(robust["agent"]) == set(agents)
    for name in [*FIGURES, "search_nas_dqn", "search_random_nas"]:
        for ext, magic in (("png", b"\x89PNG"), ("pdf", b"%PDF")):
            data = (smoke_run / f"results/figures/{name}.{ext}").read_bytes()
            assert data.startswith(magic) and len(data) > 2000
    for agent in agents:
        assert (smoke_run / f"results/gifs/{agent}.gif").read_bytes()[:4] == b"GIF8"
        run = run_dir(smoke_run, agent, 0)
        assert (run / "policy.pt").exists() and len(pd.read_csv(run / "evaluations.csv")) == 3  # episodes 4, 8, 12
        n_window_policies = len(list((run / "window_policies").glob("*.pt")))
        assert n_window_policies == (0 if SMOKE["agents"][agent]["controller"] == "fixed" else 3)
    report = (smoke_run / "results/REPORT.md").read_text()
    table = report.split("## The paper's claims", 1)[1].split("## How the verdicts are decided", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert [re.match(r"\| `(\w+)`", r).group(1) for r in rows] == [c.id for c in CLAIMS]
    for row in rows:
        assert re.search(r"\*\*(supported|contradicted)\*\*|(inconclusive|not decidable) at 2 seeds|not tested", row), row
    assert "Fixed Medium" in report and "forest.png" in report.split("## ")[0]  # the forest plot opens the report


@pytest.mark.e2e
def test_complete_run_reruns_nothing(smoke_run):
    proc = snakemake(smoke_run, "--configfile", "config/smoke.yaml", "-n")
    assert planned_jobs(proc) == {}, proc.stdout


@pytest.mark.e2e
def test_changing_one_agent_reruns_only_that_agent(smoke_run, tmp_path):
    cfg = yaml.safe_load((smoke_run / "config/smoke.yaml").read_text())
    cfg["agents"]["fixed_medium"]["dqn"] = {"learning_rate": 0.002}
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    proc = snakemake(smoke_run, "--configfile", str(path), "-n")
    jobs = planned_jobs(proc)
    assert jobs.get("train") == len(cfg["protocol"]["seeds"]), proc.stdout
    trained = [w for rule, w in dry_run_jobs(proc) if rule == "train"]
    assert trained and all("run=fixed_medium/" in w for w in trained)
    assert jobs.get("aggregate") == 1 and jobs.get("report") == 1


def test_runs_per_job_changes_no_plan_and_reruns_nothing(tmp_path):
    """Grouping is an execution choice: the same jobs are planned whatever runs_per_job is."""
    work = copy_workflow(tmp_path / "plan")
    jobs = {}
    for n in (1, 7):
        cfg = yaml.safe_load((work / "config/smoke.yaml").read_text())
        cfg["protocol"]["runs_per_job"] = n
        (work / f"g{n}.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
        jobs[n] = planned_jobs(snakemake(work, "--configfile", f"g{n}.yaml", "-n"))
    assert jobs[1] == jobs[7] and jobs[1]["train"] == 10


def test_a_groups_other_jobs_wait_for_its_first_in_the_dag(tmp_path):
    """Jobs that only copy their run out of a group's staging depend on the job that trains the
    group, so no core waits on the group's lock: with groups of 4, 4 and 2 runs, 7 of the 10
    training jobs take the first job's run.json as input and 3 take none."""
    work = copy_workflow(tmp_path / "leaders")
    cfg = yaml.safe_load((work / "config/smoke.yaml").read_text())
    cfg["protocol"]["runs_per_job"] = 4
    (work / "g4.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    proc = snakemake(work, "--configfile", "g4.yaml", "-n")
    out = proc.stdout + proc.stderr
    train_inputs = [b.split("input:")[1].split("\n")[0] for b in out.split("rule train:")[1:]]
    waiting = [i for i in train_inputs if "/run.json" in i]
    assert len(train_inputs) == 10 and len(waiting) == 7
    assert all("results/.training/groups.json" in i for i in train_inputs)  # written by the rule training_groups
    assert not (work / "results").exists()  # parsing wrote nothing
    groups = planned_groups(validate(cfg), work)["groups"]
    leaders = {f"{g['members'][0]['dir']}/run.json" for g in groups}
    assert {i.split(", ")[-1].strip() for i in waiting} <= leaders


def test_paper_config_plans_fifteen_training_jobs_and_the_cluster_docs_say_so():
    proc = snakemake(REPO, "-n", "--directory", str(REPO), "--rerun-triggers", "mtime", "--forceall")
    jobs = planned_jobs(proc)
    assert jobs.pop("all") == 1 and jobs["train"] == 15 and jobs["aggregate"] == 1 and jobs["report"] == 1
    assert jobs["figure"] + jobs["figure_architectures"] == len(FIGURES)
    readme = " ".join((REPO / "docs/cluster.md").read_text().split())  # "Running on a cluster", moved from README.md
    total, train, local, listed = re.search(r"dry run plans (\d+) jobs and `all`: (\d+) `train` jobs .*? and (\d+) local ones "
                                            r"\(([^)]*)\)", readme).groups()
    counted = {m[1]: int(m[0] or 1) for m in re.findall(r"(?:(\d+) )?`(\w+)`", listed)}
    assert (int(total), int(train), int(local)) == (sum(jobs.values()), jobs["train"], sum(jobs.values()) - jobs["train"])
    assert counted == {rule: n for rule, n in jobs.items() if rule != "train"}
    assert f"the same {total} jobs as a local run" in readme and "(15 for the paper protocol)" in readme


def test_lint_is_clean():
    proc = snakemake(REPO, "--lint", check=False)
    assert "Congratulations, your workflow is in a good condition" in proc.stdout + proc.stderr, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "mutate, key",
    [
        (lambda c: c["agents"].update({"mystery": {"controller": "genius"}}), "agents.mystery.controller"),
        (lambda c: c["dqn"].update({"batch_size": "sixty-four"}), "dqn.batch_size"),
        (lambda c: c["nas"].update({"temperature": 0}), "nas.temperature"),
        (lambda c: c.pop("roles"), "roles"),
        (lambda c: c["protocol"].update({"seeds": []}), "seeds"),
        (lambda c: c["protocol"].update({"budget": -5}), "budget"),
        (lambda c: c["agents"]["fixed_small"]["architecture"].update({"units": 48}), "units"),
    ],
)
def test_invalid_config_rejected_before_any_job(tmp_path, mutate, key):
    work = copy_workflow(tmp_path / "bad")
    cfg = yaml.safe_load((work / "config/smoke.yaml").read_text())
    mutate(cfg)
    (work / "bad.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    proc = snakemake(work, "--configfile", "bad.yaml", "--cores", "1", check=False)
    assert proc.returncode != 0
    assert key in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    assert not (work / "results").exists()


@pytest.mark.e2e
def test_a_second_run_from_scratch_batched_gives_the_same_bytes(smoke_run, tmp_path):
    """A second study from scratch, with protocol.runs_per_job = 4 (runs of different agents
    and seeds trained together: stacked networks, one array of environments, one process per group):
    every run, table and figure but the timed ones is byte-identical to the first study's,
    because each run keeps its own random streams."""
    work = copy_workflow(tmp_path / "grouped")
    cfg = yaml.safe_load((work / "config/smoke.yaml").read_text())
    cfg["protocol"]["runs_per_job"] = 4
    (work / "grouped.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    snakemake(work, "--configfile", "grouped.yaml", "--cores", "2")
    groups = json.loads((work / "results/.training/groups.json").read_text())["groups"]
    assert sorted(len(g["members"]) for g in groups) == [2, 4, 4]
    assert len({m["settings"]["agent"] for m in groups[0]["members"]}) > 1  # agents mixed in one process
    in_job = [json.loads((run_dir(work, a, s) / "run.json").read_text())["runs_in_job"] for a in SMOKE["agents"] for s in (0, 1)]
    assert sorted(in_job) == [2] * 2 + [4] * 8
    assert not [p for p in (work / "results/.training").iterdir() if p.is_dir()]  # staging cleaned up
    assert planned_jobs(snakemake(work, "--configfile", "grouped.yaml", "-n")) == {}  # a finished group reruns nothing
    assert_same_results(work, smoke_run, SMOKE)
    for name in [n for n in FIGURES if n not in TIMED_FIGURES] + ["search_nas_dqn", "search_random_nas"]:
        for ext in ("png", "pdf"):
            rel = f"results/figures/{name}.{ext}"
            assert (smoke_run / rel).read_bytes() == (work / rel).read_bytes(), rel
    for agent in SMOKE["agents"]:
        rel = f"results/gifs/{agent}.gif"
        assert (smoke_run / rel).read_bytes() == (work / rel).read_bytes(), rel


@pytest.mark.e2e
def test_html_report_has_every_figure_with_its_caption(smoke_run, tmp_path):
    out = tmp_path / "report.html"
    snakemake(smoke_run, "--configfile", "config/smoke.yaml", "--report", str(out))
    html = out.read_text(errors="replace")
    assert "fig6_search.png" in html and "per_run.csv" in html and "fig8_time_to_threshold.png" in html
    assert "Architecture search" in html and "Every comparison behind every claim" in html and "forest.png" in html
    assert "censored at the budget of 12 episodes" in html  # captions take the threshold and budget from the config
    assert "nas_dqn.gif" in html and "search_nas_dqn.png" in html


def test_workflow_parses_without_torch_or_matplotlib(tmp_path):
    """`snakemake -n` imports only nasdqn.settings: no torch, matplotlib, pandas or scipy (numpy only
    through Gymnasium, which `import nasdqn` uses to register the pendulum when it is installed)."""
    import subprocess
    import sys

    probe = ("import sys, nasdqn.settings.config, nasdqn.settings.plan, nasdqn.settings.deps, nasdqn.settings.columns; "
             "print(sorted(m for m in ('torch', 'matplotlib', 'pandas', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
    blocker = tmp_path / "sitecustomize.py"  # the SLURM plugin Snakemake loads needs pandas; ours must not need more
    blocker.write_text(
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in {'torch', 'matplotlib', 'scipy', 'gymnasium'}:\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
    )
    import os

    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--forceall"], cwd=REPO, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0 and "train" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]


def test_snakemakes_overlay_of_config_files_changes_only_the_seeds():
    """README's overlay: `--configfile config/config.yaml config/overlays/seeds.yaml` plans the paper
    protocol at 5 seeds, in the directories the package's `plan --config A --config B` names (seeds
    0-2 are the paper protocol's runs)."""
    from nasdqn.settings.config import load
    from nasdqn.settings.plan import study_plan

    proc = snakemake(REPO, "-n", "--forceall", "--rerun-triggers", "mtime", "--configfile", "config/config.yaml",
                     "config/overlays/seeds.yaml")
    planned = {f"results/runs/{w.split('run=')[1].split(',')[0]}/seed{w.split('seed=')[1]}" for r, w in dry_run_jobs(proc) if r == "train"}
    overlaid = load([REPO / "config/config.yaml", REPO / "config/overlays/seeds.yaml"])
    assert planned == {str(r.dir) for r in study_plan(overlaid).unique_runs()} and len(planned) == 25
    assert {str(r.dir) for r in study_plan(load(REPO / "config/config.yaml")).unique_runs()} < planned
    assert len((REPO / "config/overlays/seeds.yaml").read_text().splitlines()) == 3


def test_a_rewritten_groups_file_never_hides_a_run_still_to_train(tmp_path):
    """The groups file is written by a rule whose params change with the runs still to train; the
    runs that read it must stay in the DAG when it is rewritten (with ancient() Snakemake dropped
    them: a dry run planned only the groups file, and an interrupted study 'completed' untrained)."""
    work = copy_workflow(tmp_path / "regroup")
    snakemake(work, "--configfile", "config/smoke.yaml", "--cores", "1", "results/.training/groups.json")
    cfg = yaml.safe_load((work / "config/smoke.yaml").read_text())
    cfg["agents"]["fixed_medium"]["dqn"] = {"learning_rate": 0.002}
    (work / "changed.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    jobs = planned_jobs(snakemake(work, "--configfile", "changed.yaml", "-n"))
    assert jobs["training_groups"] == 1 and jobs["train"] == 10 and jobs["report"] == 1, jobs
