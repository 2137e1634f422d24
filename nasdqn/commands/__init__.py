"""Layer 6, the CLI's commands, one module each: `add_arguments(parser)` and `run(args) -> int`.

A workflow rule runs one command, so the source files a stage depends on are the import
closure of its command's module (nasdqn/settings/deps.py). Heavy imports sit inside `run`.
"""
