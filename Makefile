# Everything a developer or CI needs goes through these targets.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The console (ui/): Node.js 20 or newer installs and builds it.
UI_DEPS := ui/node_modules/.installed
UI_BUILD := ui/dist/index.html
UI_SOURCES := $(shell find ui/src ui/public -type f 2>/dev/null) ui/index.html ui/vite.config.ts ui/tsconfig.json

.PHONY: install run test e2e lint format bench

install: $(STAMP) $(UI_BUILD)

# Re-installs only when the dependency list changes; the package itself is editable.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(UI_DEPS): ui/package.json ui/package-lock.json
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' 2>/dev/null \
		|| { echo "The console needs Node.js 20 or newer: https://nodejs.org" >&2; exit 1; }
	cd ui && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(UI_BUILD): $(UI_DEPS) $(UI_SOURCES)
	cd ui && npm run build

run: install
	mkdir -p var
	$(BIN)/baton migrate
	$(BIN)/baton demo --if-empty
	$(BIN)/baton serve

# One test process per core: each has its own databases (see tests/conftest.py).
test: lint
	$(BIN)/pytest --numprocesses auto
	cd ui && npx vitest run
	$(MAKE) e2e

# The console in a real Chromium against real `baton serve`s on SQLite and PostgreSQL.
e2e: install
	cd ui && BATON_CHROMIUM="$$(scripts/chromium.sh)" npx playwright test

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	cd ui && npx tsc -b && npx tsc --noEmit -p bench/tsconfig.json
	ui/scripts/api-types.sh --check
	node ui/scripts/bundle-budget.mjs

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
	$(BIN)/python -m bench.broadcast --database sqlite | $(BASELINE)
	$(BIN)/python -m bench.broadcast --database postgresql | $(BASELINE)
	$(BIN)/python -m bench.analytics --database sqlite | $(BASELINE)
	$(BIN)/python -m bench.analytics --database postgresql --events 1000000 --profiles 100000 | $(BASELINE)
	$(BIN)/python -m bench.predict --database sqlite | $(BASELINE)
	$(BIN)/python -m bench.predict --database postgresql | $(BASELINE)
	$(BIN)/python -m bench.decide --database sqlite | $(BASELINE)
	$(BIN)/python -m bench.decide --database postgresql | $(BASELINE)
	BATON_E2E_PORT=8741 BATON_CHROMIUM="$$(ui/scripts/chromium.sh)" ui/node_modules/.bin/playwright test -c ui/bench/playwright.config.ts | $(BASELINE)
	$(BIN)/python -m bench.compare.run | $(BASELINE)
	# Kills processes, restarts its own PostgreSQL cluster, fills a small disk (as root).
	$(BIN)/python -m bench.chaos --profiles 100000 | $(BASELINE)
