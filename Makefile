# Two commands do everything on a fresh machine with Python >= 3.11 and make:
#   make run   - set up .venv, run the nightly job on data_samples/ into warehouse/oba.duckdb
#   make test  - set up .venv, run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run test report dev bench clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

run: setup
	$(BIN)/oba run

test: setup
	$(BIN)/python -m pytest -q

dev: setup
	$(BIN)/dagster dev -m pipelines.definitions

# The README's Performance table: three scales, median of three runs each (~12 min).
# A quicker look: make bench SCALES=1000 REPEAT=1 OUT=/tmp/bench.json
SCALES ?= 1000,3000,10000
REPEAT ?= 3
OUT    ?= bench/results.json
bench: setup
	$(BIN)/python -m bench.run --scales $(SCALES) --repeat $(REPEAT) --out $(OUT)

clean:
	rm -rf $(VENV) warehouse .pytest_cache
