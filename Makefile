# The two commands of README.md:
#   make reproduce   set up .venv and run the whole paper protocol (results/)
#   make test        set up .venv and run the test suite (what CI runs)
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
CORES  ?= all

.PHONY: reproduce test test-slow setup clean-results

$(BIN)/activate-stamp: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (Python 3.11 is required; set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch==2.13.0 is pinned exactly in pyproject.toml (a local CPU wheel on the project's machines)
	$(BIN)/pip install --quiet -e '.[workflow,test]'
	touch $@

setup: $(BIN)/activate-stamp

# Jobs call `python`: the venv's bin goes first on PATH, as `source .venv/bin/activate` would do.
reproduce: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" snakemake --cores $(CORES)

test: setup
	$(BIN)/python -m pytest -q

test-slow: setup
	$(BIN)/python -m pytest -q -m slow

clean-results:
	rm -rf results .snakemake
