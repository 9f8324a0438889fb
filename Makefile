# Everything a developer or CI needs goes through these targets.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench

install: $(STAMP)

# Re-installs only when the dependency list changes; the package itself is editable.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: install
	mkdir -p var
	$(BIN)/baton migrate
	$(BIN)/baton demo --if-empty
	$(BIN)/baton serve

# One test process per core: each has its own databases (see tests/conftest.py).
test: lint
	$(BIN)/pytest --numprocesses auto

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Each bench's JSON line is printed beside its stored baseline (bench/baseline/).
BASELINE := $(BIN)/python -m bench.compare_baseline

bench: install
	$(BIN)/python -m pip install --quiet -r bench/compare/requirements.txt
	$(BIN)/python -m bench.ingest --database sqlite | $(BASELINE)
	$(BIN)/python -m bench.ingest --database postgresql | $(BASELINE)
	$(BIN)/python -m bench.segments --database sqlite | $(BASELINE)
	$(BIN)/python -m bench.segments --database postgresql | $(BASELINE)
	$(BIN)/python -m bench.journeys --database sqlite | $(BASELINE)
	$(BIN)/python -m bench.journeys --database postgresql | $(BASELINE)
	$(BIN)/python -m bench.dispatch --database sqlite | $(BASELINE)
	$(BIN)/python -m bench.dispatch --database postgresql | $(BASELINE)
	$(BIN)/python -m bench.analytics --database sqlite | $(BASELINE)
	$(BIN)/python -m bench.analytics --database postgresql --events 1000000 --profiles 100000 | $(BASELINE)
	$(BIN)/python -m bench.compare.run
