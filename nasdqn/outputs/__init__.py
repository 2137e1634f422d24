"""Layer 5, the outputs: the figures (a registry: figures, forest), the report (report,
report_sections), GIFs, the sensitivity study's matrix and the cross-task answer (mechanism)."""
