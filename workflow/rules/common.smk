# Shared definitions: the one config validation, the job list and the source files each
# stage depends on. Parsing imports only nasdqn.config and nasdqn.columns (no numpy, torch
# or matplotlib): `snakemake -n` needs nothing but Snakemake, PyYAML and jsonschema.
# Jobs run in the repository root (the working directory) and call the package of this
# repository with `PYTHONPATH=. python -m nasdqn`, from whatever environment executes them
# (the venv of the README commands, or a conda env from envs/).
import os
import sys
from pathlib import Path

sys.path.insert(0, workflow.basedir)

from nasdqn.columns import FIGURES, RUN_FILES, SEARCH_FIGURE_PREFIX
from nasdqn.config import (
    ConfigError,
    analysis_settings,
    canonical_json,
    resolved_agent_config,
)
from nasdqn.config import validate as validate_study

# The config is validated once, against the JSON schema of workflow/schemas/ (generated from
# nasdqn/config.py, whose messages name the key) plus the rules that involve several keys.
try:
    validate_study(config)
except ConfigError as exc:
    raise WorkflowError(f"invalid config: {exc}")

AGENTS = list(config["agents"])
SEEDS = list(config["protocol"]["seeds"])
FIGURE_NAMES = list(FIGURES)
RUN_FIGURES = [
    f for f in FIGURE_NAMES if f != "fig2_architectures"
]  # the figures drawn from runs
RUNS_DIR = "results/runs"
METRICS_DIR = "results/metrics"
FIGURES_DIR = "results/figures"
GIFS_DIR = "results/gifs"
# Agents whose architecture changes (controller random or nas): one search figure each.
SEARCHERS = [a for a, s in config["agents"].items() if s["controller"] != "fixed"]
ANALYSIS_JSON = canonical_json(analysis_settings(config))
SEEDS_PER_JOB = config["protocol"]["seeds_per_job"]
# Seeds trained together in one process when seeds_per_job > 1, in config order.
BATCHES = [SEEDS[i : i + SEEDS_PER_JOB] for i in range(0, len(SEEDS), SEEDS_PER_JOB)]

# Source files per stage: editing one reruns that stage and what depends on it, nothing else.
CORE_CODE = [
    f"nasdqn/{m}.py"
    for m in (
        "env",
        "space",
        "network",
        "agent",
        "controller",
        "search",
        "pool",
        "train",
        "spec",
        "trainjob",
        "columns",
    )
]
AGGREGATE_CODE = [
    f"nasdqn/{m}.py"
    for m in ("metrics", "stats", "survival", "claims", "tables", "results")
]
FIGURE_CODE = ["nasdqn/figures.py", "nasdqn/columns.py"]
REPORT_CODE = ["nasdqn/report.py"]


wildcard_constraints:
    agent="|".join(AGENTS),
    seed=r"\d+",
    batch=r"\d+(-\d+)*",


def agent_settings(wildcards):
    """The resolved settings of one agent: a training job reruns exactly when these change."""
    return canonical_json(resolved_agent_config(config, wildcards.agent))


def train_runtime_minutes(wildcards):
    """Generous wall-time request for a scheduler: 3 minutes per 1000 episodes, at least 10."""
    return max(10, int(3 * config["protocol"]["episodes"] / 1000))


def batch_dir_of_seed(wildcards):
    """The batch directory that holds this seed's run (seeds_per_job > 1)."""
    batch = next(b for b in BATCHES if int(wildcards.seed) in b)
    return f"results/batches/{wildcards.agent}/seeds{'-'.join(map(str, batch))}"


def batch_runtime_minutes(wildcards):
    return train_runtime_minutes(wildcards) * len(wildcards.batch.split("-"))


def batch_mem_mb(wildcards):
    return 1000 + 500 * len(wildcards.batch.split("-"))
