"""Names of the files and columns the pipeline writes, in plain Python.

The workflow needs them to plan its jobs; keeping them here (no numpy, no torch, no
matplotlib) lets `snakemake -n` run with only Snakemake, PyYAML and jsonschema installed.
"""
from __future__ import annotations

# Per run, in results/runs/{agent}/seed{seed}/: the files aggregation reads, and the policies
# (policy.pt, the final network; window_policies/, the network at the end of each
# architecture window of an agent that searches).
RUN_FILES = ["episodes.csv", "architectures.csv", "evaluations.csv", "run.json"]
POLICY_FILE = "policy.pt"
WINDOW_POLICIES = "window_policies"
EPISODE_COLUMNS = ["episode", "return", "steps", "epsilon", "layers", "units", "activation", "loss"]
ARCHITECTURE_COLUMNS = [
    "window", "start_episode", "end_episode", "architecture", "layers", "units", "activation",
    "score", "controller_epsilon", "pick", "transition",
]
# With nas.transition = grow, architectures.csv also says how each switch's network started
# ("grow", "distill" or "resume") and how faithfully it reproduced the old network's Q-values.
WARM_START_COLUMNS = ["warm_start", "agreement", "q_error", "warm_start_steps"]
EVALUATION_COLUMNS = ["episode", "mean_return", "min_return", "max_return", "architecture"]
# Figures: registered in nasdqn/outputs (@figure), listed for the workflow by nasdqn/settings/figures.py.
# Per agent that searches (controller random or nas): figures/search_{agent}.{png,pdf}.
SEARCH_FIGURE_PREFIX = "search_"
