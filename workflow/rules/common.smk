# Shared definitions: the package's own (stricter) config check, the job list and the
# source files each stage depends on.
# Jobs run in the repository root (the working directory) and call the package of this
# repository with `PYTHONPATH=. python -m nasdqn`, from whatever environment executes them
# (the venv of the README commands, or a conda env from envs/).
import sys

sys.path.insert(0, workflow.basedir)

from nasdqn.config import ConfigError, analysis_settings, canonical_json, resolved_agent_config
from nasdqn.config import validate as validate_study
from nasdqn.figures import FIGURES

try:
    validate_study(config)
except ConfigError as exc:
    raise WorkflowError(f"invalid config: {exc}")

AGENTS = list(config["agents"])
SEEDS = list(config["protocol"]["seeds"])
FIGURE_NAMES = list(FIGURES)
ANALYSIS_JSON = canonical_json(analysis_settings(config))
RUN_FILES = ["episodes.csv", "architectures.csv", "run.json"]
SEEDS_PER_JOB = config["protocol"]["seeds_per_job"]
# Seeds trained together in one process when seeds_per_job > 1, in config order.
BATCHES = [SEEDS[i : i + SEEDS_PER_JOB] for i in range(0, len(SEEDS), SEEDS_PER_JOB)]

# Source files per stage: editing one reruns that stage and what depends on it, nothing else.
CORE_CODE = [f"nasdqn/{m}.py" for m in ("env", "network", "agent", "controller", "train")]
AGGREGATE_CODE = [f"nasdqn/{m}.py" for m in ("metrics", "stats", "survival", "claims", "tables", "results")]
FIGURE_CODE = ["nasdqn/figures.py"]
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


def run_dirs():
    return [f"results/runs/{a}/seed{s}" for a in AGENTS for s in SEEDS]


def figure_inputs(wildcards):
    """Figure 2 draws the configured fixed architectures only; the others read the runs."""
    if wildcards.figure == "fig2_architectures":
        return []
    return ["results/metrics/per_run.csv"] + expand(
        "results/runs/{agent}/seed{seed}/{file}", agent=AGENTS, seed=SEEDS, file=RUN_FILES
    )


def batch_dir_of_seed(wildcards):
    """The batch directory that holds this seed's run (seeds_per_job > 1)."""
    batch = next(b for b in BATCHES if int(wildcards.seed) in b)
    return f"results/batches/{wildcards.agent}/seeds{'-'.join(map(str, batch))}"


def batch_runtime_minutes(wildcards):
    return train_runtime_minutes(wildcards) * len(wildcards.batch.split("-"))


def batch_mem_mb(wildcards):
    return 1000 + 500 * len(wildcards.batch.split("-"))
