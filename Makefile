# Two commands do everything on a fresh machine with Python >= 3.11 and make:
#   make run   - set up .venv, run the nightly job on data_samples/ into warehouse/oba.duckdb
#   make test  - set up .venv and the Debian packages the report tests need, run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup system-packages run test dev bench clean

# .venv, and the programs the report tests open the reports in (apt-get, as root, only if missing)
setup: system-packages $(STAMP)

system-packages:
	bin/install-system-packages

$(STAMP): requirements.lock pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/oba run

# one test process per core (pytest-xdist): the pipeline tests spend most of their time in dbt and DuckDB
test: setup
	$(BIN)/python -m pytest -q -n auto

dev: $(STAMP)
	$(BIN)/dagster dev -m pipelines.definitions

# The README's Performance table: three scales, median of three runs each (~25 min).
# A quicker look: make bench SCALES=1000 REPEAT=1 OUT=/tmp/bench.json
SCALES ?= 1000,3000,10000
REPEAT ?= 3
OUT    ?= bench/results.json
bench: $(STAMP)
	$(BIN)/python -m bench.run --scales $(SCALES) --repeat $(REPEAT) --out $(OUT)

clean:
	rm -rf $(VENV) warehouse .pytest_cache
