# The two commands of README.md:
#   make reproduce   set up .venv and run the whole paper protocol (results/)
#   make test        set up .venv and run the test suite (what CI runs)
# Options: CORES=n (default all), CONFIG=file (default config/config.yaml), PYTHON=python3.11.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
CORES  ?= all
CONFIG ?= config/config.yaml

.PHONY: reproduce test test-slow setup clean-results

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (Python 3.11 is required; set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch==2.13.0 is pinned exactly in pyproject.toml (a local CPU wheel on the project's machines)
	$(BIN)/pip install --quiet -e '.[workflow,test]'
	touch $@

setup: $(VENV)/.installed

# Jobs call `python`: the venv's bin goes first on PATH, as `source .venv/bin/activate` would.
# A run killed earlier leaves Snakemake's lock behind; it is cleared first (do not start two
# `make reproduce` in one checkout at the same time). Interrupted jobs rerun and resume from
# their checkpoints (rerun-incomplete in profiles/default).
reproduce: setup
	PATH="$(abspath $(BIN)):$$PATH" snakemake --configfile $(CONFIG) --unlock > /dev/null
	PATH="$(abspath $(BIN)):$$PATH" snakemake --configfile $(CONFIG) --cores $(CORES)

# Lint and format checks (ruff, snakefmt), the default suite (unit, CLI and checkpoint tests,
# workflow dry runs: a few minutes), the end-to-end workflow runs on the smoke protocol, then
# the real-SLURM-cluster test (installs and starts slurm-wlm + munge when run as root on
# Debian; skipped with a reason otherwise).
test: setup
	$(BIN)/ruff check .
	$(BIN)/snakefmt --check workflow/
	$(BIN)/python -m pytest -q
	$(BIN)/python -m pytest -q -m "e2e and not slow"
	$(BIN)/python -m pytest -q -m "cluster and not slow" -rs tests/cluster

test-slow: setup
	$(BIN)/python -m pytest -q -m slow -rs

clean-results:
	rm -rf results .snakemake
