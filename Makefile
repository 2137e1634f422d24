# The two commands of README.md:
#   make reproduce   set up .venv and run the whole paper protocol (results/)
#   make test        set up .venv and run the test suite (what CI runs)
# Options: CORES=n (default all), CONFIG=file (default config/config.yaml), PYTHON=python3.11.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
CORES  ?= all
CONFIG ?= config/config.yaml

.PHONY: reproduce test test-slow setup clean-results verify manifest

$(VENV)/.installed: pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (Python 3.11 is required; set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# constraints.txt holds the exact tested versions (torch==2.13.0: a local CPU wheel on the project's machines)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[workflow,test]'
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

# Check a reproduction: compare results/ with the published reference manifest of CONFIG
# (references/<CONFIG's path under config/>.json): every run file and metrics table, and where
# bytes differ, the per-run metrics statistically and every claim's verdict. Exit 1 when a
# verdict changed, a file is missing or a metric is not consistent.
verify: setup
	$(BIN)/python -m nasdqn verify results --config $(CONFIG)

# Publish a reference: write the manifest of results/ to where `make verify` looks for CONFIG's
# (run right after `make reproduce CONFIG=...`, whose tables results/metrics then holds).
manifest: setup
	$(BIN)/python -m nasdqn manifest results --config $(CONFIG)
