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
EVALUATION_COLUMNS = ["episode", "mean_return", "min_return", "max_return", "architecture"]
# Per study, in results/metrics/.
METRIC_TABLES = ["per_run.csv", "summary.csv", "claims.csv", "comparisons.csv", "robust.csv"]
# Figures, in results/figures/{name}.{png,pdf}: name -> title.
FIGURES = {
    "fig2_architectures": "Figure 2: the fixed Q-network architectures",
    "fig3_summary": "Figure 3: multi-panel summary of the agents",
    "fig4_convergence": "Figure 4: convergence speed",
    "fig5_cost": "Figure 5: computational cost",
    "fig6_search": "Figure 6: where the architecture searches went",
    "fig7_final": "Figure 7: final performance",
    "fig8_time_to_threshold": "Kaplan-Meier curves of the time to threshold",
    "fig9_performance_profile": "Performance profile of final performance",
}
# Per agent that searches (controller random or nas): figures/search_{agent}.{png,pdf}.
SEARCH_FIGURE_PREFIX = "search_"
# Per agent: gifs/{agent}.gif, the final policy of its first seed.
GIFS_DIR = "gifs"
# Figures that plot wall-clock time and therefore differ from run to run.
TIMED_FIGURES = ("fig3_summary", "fig5_cost")
