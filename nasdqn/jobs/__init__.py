"""Layer 3, jobs and their files: training jobs and groups, checkpoints, saved policies, and the
reading and atomic writing of every run file."""
