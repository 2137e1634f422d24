"""Layer 5, the outputs: figures, the report, GIFs and the sensitivity study's matrix."""
