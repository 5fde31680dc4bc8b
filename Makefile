# The README's two commands: `make run` and `make test`. Both build .venv from requirements.lock
# when it is missing or older than the lock / pyproject.toml, with uv (pinned, bootstrapped into
# .venv-tools/ by the system pip: ~10x faster than pip here, and it reads the lock's extras right).
# Bytecode: this machine's environment sets PYTHONDONTWRITEBYTECODE, so .pyc files are written at
# install or never (every run would compile Prefect anew in the CLI and again in its server: the
# seeds' run took 32 s instead of 11 s). `make run` compiles only what a run imports
# (scripts/runtime_modules.txt, ~4 s; the whole venv took ~21 s, two thirds of a fresh clone's
# first run), `make test` the rest of the venv, once (scripts/compile_runtime.py says more).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
COMPILED := $(VENV)/.compiled-all
DB ?= warehouse/news.duckdb
UV_VERSION := 0.13.9
UV_DIR := .venv-tools/uv-$(UV_VERSION)
UV := $(UV_DIR)/bin/uv
UV_PIP := $(UV) pip --quiet
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120

.PHONY: run test lint bench lock clean ui ui-stop

$(UV):
	@echo "bootstrapping uv $(UV_VERSION) into $(UV_DIR)"
	@$(PYTHON) -m pip install -qq --disable-pip-version-check --root-user-action=ignore --target $(UV_DIR) uv==$(UV_VERSION)

$(STAMP): requirements.lock pyproject.toml | $(UV)
	@echo "installing requirements.lock into $(VENV)"
	@test -x $(BIN)/python || $(UV) venv --quiet --python $(PYTHON) $(VENV)
	@$(UV_PIP) install --python $(BIN)/python -r requirements.lock
	@$(UV_PIP) install --python $(BIN)/python --no-deps --no-build-isolation -e .
	@$(BIN)/python scripts/compile_runtime.py
	@touch $@

$(COMPILED): $(STAMP)
	@echo "compiling the rest of $(VENV) for the test suite"
	@$(BIN)/python scripts/compile_runtime.py --all
	@touch $@

## Ingest seeds/ into $(DB) with Prefect's temporary server, then print a summary.
run: $(STAMP)
	$(BIN)/newsflow ingest seeds --db $(DB)

## The whole test suite (what CI runs).
test: $(COMPILED) postgres-server
	$(BIN)/python -m pytest

## The PostgreSQL server binaries the DuckLake Postgres-catalog tests start on loopback
## (tests/postgres_server.py): installed from Debian packages when missing and we are root with
## apt-get; otherwise those tests skip, saying how to get them.
PG_PACKAGE := postgresql-15=15.18-0+deb12u1
.PHONY: postgres-server
postgres-server:
	@if ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing $(PG_PACKAGE) for the DuckLake Postgres-catalog tests"; \
	  install="apt-get install -y -qq --no-install-recommends $(PG_PACKAGE)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$install >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && $$install >/dev/null; } \
	    || echo "could not install $(PG_PACKAGE): the DuckLake Postgres-catalog tests will skip"; \
	else echo "no PostgreSQL server (/usr/lib/postgresql/*/bin/postgres) and no root apt-get to install" \
	  "$(PG_PACKAGE): the DuckLake Postgres-catalog tests will skip"; fi

## A local Prefect server (http://127.0.0.1:4200) with the work pool, every deployment and a worker.
ui: $(STAMP)
	bash scripts/ui.sh start

## Stop what `make ui` started.
ui-stop:
	bash scripts/ui.sh stop

lint: $(STAMP)
	$(BIN)/ruff check .

## Benchmarks (see bench/RESULTS.md).
bench: $(STAMP)
	$(BIN)/python bench/ingest_throughput.py

## Re-resolve requirements.lock from pyproject.toml's dependencies (uv, in a scratch venv, then frozen).
lock: | $(UV)
	rm -rf .lock-venv && $(UV) venv --quiet --python $(PYTHON) .lock-venv
	$(UV_PIP) install --python .lock-venv/bin/python '.[dev]'
	{ echo "# Exact versions of every package newsflow installs (make creates .venv from this file)."; \
	  echo "# Regenerate: make lock (uv installs pyproject's dependencies in a scratch venv and freezes it)."; \
	  { $(UV) pip freeze --python .lock-venv/bin/python --exclude-editable | grep -v -E '^(pip|setuptools|newsflow)( |==)'; \
	    echo "setuptools==80.9.0"; } | sort -f; } > requirements.lock   # setuptools 80.9 builds the editable install
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .venv-tools
