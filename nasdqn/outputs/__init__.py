"""Layer 5, the outputs: the figures (declared in nasdqn/settings/figures.py; drawn by figures and
forest, with what drawing holds, all of them registered in gallery), the report (report,
report_sections), GIFs, the sensitivity study's matrix and the cross-task answer (mechanism)."""
