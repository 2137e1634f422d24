"""Layer 0, plain Python (no numpy, torch or matplotlib): the config and its validation, the search
space, run identities and the study plan, file and column names, random-stream names, user errors,
fault injection, and the code dependencies of the workflow's stages. The workflow parses with
this layer only."""
