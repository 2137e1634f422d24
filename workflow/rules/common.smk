# The one config validation, and the input functions every rule reads. Both come from the
# package (nasdqn/settings/workflow.py): the validated config with its defaults, the study plan
# (which runs to train, where each run and each variant's results live), the source files each
# stage depends on, the training groups and each job's resources. Nothing is written while the
# workflow parses, and parsing imports only nasdqn.settings (no torch, matplotlib, pandas or
# scipy): `snakemake -n` needs nothing but Snakemake, PyYAML and jsonschema.
# Jobs run in the repository root (the working directory) and call the package of this
# repository with `PYTHONPATH=. python -m nasdqn`, from whatever environment executes them
# (the venv of the README commands, or a conda env from envs/); parsing imports that same
# package, from the checkout this Snakefile belongs to (docs/assumptions.md, "Workflow").
import os
import re
import sys
from pathlib import Path

REPO_ROOT = os.path.relpath(Path(workflow.basedir).parent)
sys.path.insert(0, REPO_ROOT)

from nasdqn.settings.errors import ConfigError
from nasdqn.settings.identity import run_dir
from nasdqn.settings.workflow import StudyWorkflow

try:
    STUDY = StudyWorkflow.from_config(
        config, REPO_ROOT, in_job=not workflow.is_main_process
    )
except ConfigError as exc:
    raise WorkflowError(f"invalid config: {exc}")
config.update(
    STUDY.config
)  # complete: the report's captions read omitted keys' defaults
CODE = (
    STUDY.code_digests
)  # stage -> its code's digest (docstrings and comments left out): a param of its rules


def _alternatives(values):
    return "|".join(re.escape(v) for v in values) or "(?!)"


wildcard_constraints:
    root=_alternatives(STUDY.roots),
    run=_alternatives(STUDY.plan.settings),
    agent=_alternatives(STUDY.agents),
    seed=r"\d+",


def run_settings(wildcards):
    """A run's resolved settings: its training job reruns exactly when these change."""
    return STUDY.run_settings(wildcards.run)


def run_agent(wildcards):
    return wildcards.run.split("/")[0]


def run_files(wildcards):
    """The files aggregation reads, of every run of this results root."""
    return STUDY.run_files(wildcards.root)


def agent_run_files(wildcards):
    return STUDY.run_files(wildcards.root, wildcards.agent)


def run_dirs_json(wildcards):
    """[agent, seed, directory] of every run of this results root, for the CLI."""
    return STUDY.run_dirs_json(wildcards.root)


def first_policy(wildcards):
    return STUDY.first_policy(wildcards.root, wildcards.agent)


def analysis_json(wildcards):
    """What the tables, figures and report of this results root depend on."""
    return STUDY.analysis_json(wildcards.root)


def group_inputs(wildcards):
    """A run still to train reads the training groups file and waits for its group's first job
    (not ancient(): a rewritten groups file must not hide a run still to train from the DAG).
    """
    return STUDY.group_inputs(wildcards.run, wildcards.seed)


def train_runtime(wildcards):
    """Minutes a training job asks a scheduler for (nasdqn/settings/resources.py)."""
    return STUDY.train_runtime(wildcards.run, wildcards.seed)
