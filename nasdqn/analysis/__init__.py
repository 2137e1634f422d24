"""Layer 4, the analysis: per-run metrics, statistics, time-to-event methods, the paper's claims
with the decision rule, and the tables aggregation writes."""
