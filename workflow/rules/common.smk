# Shared definitions: the one config validation, the study plan (which runs to train, where
# each run and each variant's results live) and the source files each stage depends on.
# Parsing imports only nasdqn.settings (no torch, matplotlib, pandas or
# scipy): `snakemake -n` needs nothing but Snakemake, PyYAML and jsonschema.
# Jobs run in the repository root (the working directory) and call the package of this
# repository with `PYTHONPATH=. python -m nasdqn`, from whatever environment executes them
# (the venv of the README commands, or a conda env from envs/).
import json
import os
import re
import sys
from pathlib import Path

REPO_ROOT = os.path.relpath(Path(workflow.basedir).parent)
sys.path.insert(0, REPO_ROOT)

from nasdqn.settings.columns import RUN_FILES
from nasdqn.settings.config import PENDULUM_ID, ConfigError, analysis_settings
from nasdqn.settings.identity import canonical_json, run_dir
from nasdqn.settings.config import validate as validate_study
from nasdqn.settings.deps import code_digest, stage_code
from nasdqn.settings.figures import figure_names
from nasdqn.settings.plan import (
    group_plan,
    partner_dir,
    study_plan,
    study_root,
    training_groups,
)

# The config is validated once, against the JSON schema of workflow/schemas/ (generated from
# nasdqn/settings/config.py, whose messages name the key) plus the rules that involve several keys.
try:
    config.update(
        validate_study(config)
    )  # with the oracle's agents when protocol.oracle is on
except ConfigError as exc:
    raise WorkflowError(f"invalid config: {exc}")

PLAN = study_plan(config)
STUDY_ROOT = study_root(config)  # results/, or results/studies/{protocol.study}/
ROOTS = list(
    PLAN.roots.values()
)  # results/ (a plain study) or results/variants/{variant}/
AGENTS = list(config["agents"])
SEEDS = list(config["protocol"]["seeds"])
FIGURE_NAMES = figure_names(
    analysis_settings(config)
)  # the figures declared in nasdqn/settings/figures.py
# Agents whose architecture changes (controller random or nas): one search figure each.
SEARCHERS = [a for a, s in config["agents"].items() if s["controller"] != "fixed"]

# Source files per stage: the import closure of the command each stage runs, read from the
# package's source with `ast` (nasdqn/settings/deps.py), so editing any module reruns exactly the
# stages that can import it, and what depends on their outputs.
CODE = stage_code(REPO_ROOT)


def _alternatives(values):
    return "|".join(re.escape(v) for v in values) or "(?!)"


wildcard_constraints:
    root=_alternatives(ROOTS),
    run=_alternatives(PLAN.settings),
    agent=_alternatives(AGENTS),
    seed=r"\d+",


def run_settings(wildcards):
    """A run's resolved settings: its training job reruns exactly when these change."""
    return canonical_json(PLAN.settings[wildcards.run])


def run_agent(wildcards):
    return wildcards.run.split("/")[0]


def run_files(wildcards):
    """The files aggregation reads, of every run of this results root."""
    return [f"{r.dir}/{f}" for r in PLAN.runs_of(wildcards.root) for f in RUN_FILES]


def agent_run_files(wildcards):
    return [
        f"{r.dir}/{f}"
        for r in PLAN.runs_of(wildcards.root)
        if r.agent == wildcards.agent
        for f in RUN_FILES
    ]


def run_dirs_json(wildcards):
    """[agent, seed, directory] of every run of this results root, for the CLI."""
    return canonical_json([r.as_json() for r in PLAN.runs_of(wildcards.root)])


def first_policy(wildcards):
    run = next(r for r in PLAN.runs_of(wildcards.root) if r.agent == wildcards.agent)
    return f"{run.dir}/policy.pt"


def analysis_json(wildcards):
    """What the tables, figures and report of this results root depend on."""
    variant = PLAN.variant_of(wildcards.root)
    overrides = (config.get("variants") or {}).get(variant, {})
    settings = analysis_settings(config)
    settings["env"].update(overrides.get("env", {}))  # the task this root's runs are on
    return canonical_json(
        {**settings, "variant": variant, "variant_overrides": overrides}
    )


def train_runtime_minutes(wildcards):
    """Generous wall-time request for a scheduler: 3 minutes per 200,000 environment steps (1000
    pendulum episodes) for every run of the job's training group, at least 10. A budget counted in
    episodes is bounded by the time limit (500 steps where the config leaves it to the task).
    """
    p, env = config["protocol"], config["env"]
    limit = env.get("max_episode_steps") or (200 if env["id"] == PENDULUM_ID else 500)
    steps = p["budget"] if p["unit"] == "steps" else p["budget"] * limit
    return max(10, int(3 * steps / 200_000) * p["runs_per_job"])


def pending_runs():
    """Runs whose run.json is missing or was written by other training code (its recorded digest
    of the train stage's sources is not today's): the ones to train now."""
    current = code_digest("train", REPO_ROOT)
    out = set()
    for r in PLAN.unique_runs():
        try:
            recorded = json.loads(Path(r.dir, "run.json").read_text())["code"]["train"]
        except (OSError, ValueError, KeyError, TypeError):
            recorded = None
        if recorded != current:
            out.add(str(r.dir))
    return out


# Training groups (protocol.runs_per_job): runs still to train, several per process. Grouping
# is an execution choice: every run is still its own job (the unit of the DAG and of reruns),
# and the first job of a group trains the whole group; docs/performance.md. The plan is a file
# the jobs read, written only when it changes, so that regrouping never reruns a finished run.
# One plan per study (protocol.study), so that two studies can run side by side in one checkout.
GROUP_PLAN = (
    "results/.training/groups.json"
    if config["protocol"]["study"] is None
    else f"results/.training/groups-{config['protocol']['study']}.json"
)
_groups = training_groups(PLAN, config["protocol"]["runs_per_job"], pending_runs())
_plan_text = canonical_json(group_plan(_groups))
# The other jobs of a group only copy their run out of the group's staging directory: they
# wait in the DAG for the group's first job, so no core (or SLURM allocation) idles on a lock.
LEADERS = {str(m.dir): str(g[0].dir) for g in _groups for m in g[1:]}
GROUP_OF = {str(g[0].dir): g for g in _groups}
RUNS_BY_DIR = PLAN.by_dir()
if not Path(GROUP_PLAN).exists() or Path(GROUP_PLAN).read_text() != _plan_text:
    Path(GROUP_PLAN).parent.mkdir(parents=True, exist_ok=True)
    Path(GROUP_PLAN).write_text(_plan_text)


def group_leader(wildcards):
    """The first job of this run's training group, if it is not this one (see LEADERS); a yoked
    run (or a group's first job) also waits for its partners' runs (the same seed of the agent
    it is yoked to), whose architectures.csv says where it switches."""
    me = run_dir(wildcards.run, wildcards.seed)
    lead = LEADERS.get(me)
    if lead:
        return [f"{lead}/run.json"]
    members = GROUP_OF.get(me) or [RUNS_BY_DIR[me]]
    partners = [partner_dir(m) for m in members]
    return sorted({f"{p}/run.json" for p in partners if p is not None})
