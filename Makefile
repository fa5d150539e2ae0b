# The two commands a new engineer needs are `make run` and `make test`; both create .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Every install takes its versions from this lock; `make lock` refreshes it from pyproject.toml.
LOCK := requirements.lock

.PHONY: help run test test-postgres lint typecheck pytest openapi migrate bench lock image-check clean

help:
	@echo "make run       create .venv, install, migrate, serve on $(HOST):$(PORT) (SQLite by default;"
	@echo "              another port: make run PORT=8001)"
	@echo "make test      create .venv with dev extras, lint, type-check and run the whole suite"
	@echo "make test-postgres  the suite with its PostgreSQL half, on a throwaway local database"
	@echo "make openapi   regenerate openapi.json from the app"
	@echo "make bench     run the benchmark (not part of make test)"
	@echo "make lock      re-resolve requirements.lock after a pyproject.toml change (UPGRADE=1: newest)"
	@echo "make image-check  build the Docker image and check it running (root; installs docker.io)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --constraint $(LOCK) -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --constraint $(LOCK) -e '.[dev]'
	@touch $(VENV)/.installed $@

# `serve --check-port` says plainly when the port is taken, before anything is printed.
run: $(VENV)/.installed
	@$(BIN)/career-mobility serve --host $(HOST) --port $(PORT) --check-port
	$(BIN)/career-mobility migrate
	@echo
	@echo "Serving on http://$(HOST):$(PORT)  (Swagger UI: http://$(HOST):$(PORT)/docs)"
	@echo "Get an admin key, in another shell:  $(BIN)/career-mobility orgs create Acme"
	@echo
	$(BIN)/career-mobility serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check app tests migrations bench
	$(BIN)/ruff format --check app tests migrations bench

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest

test: lint typecheck pytest

# The whole suite again with its PostgreSQL half, on a throwaway database of the local server.
PG_TEST_DB ?= career_mobility_test_$(shell date +%s)
test-postgres: $(VENV)/.installed-dev
	$(BIN)/python .ci/pgdb.py create $(PG_TEST_DB)
	TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/$(PG_TEST_DB) $(BIN)/pytest; \
	  status=$$?; $(BIN)/python .ci/pgdb.py drop $(PG_TEST_DB); exit $$status

openapi: $(VENV)/.installed
	$(BIN)/python -m app.openapi > openapi.json
	@echo "openapi.json regenerated"

# The benchmark (not part of `make test`): the service beside a bare FastAPI ceiling, under
# wrk, on SQLite and PostgreSQL; writes bench/results.md. Needs wrk (apt-get install wrk).
bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# requirements.lock from pyproject.toml's ranges, for Python 3.11 on any platform: pins that
# still fit stay; `make lock UPGRADE=1` takes the newest versions the ranges allow.
lock: | $(BIN)/python
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet \
	  "$$(grep -s '^uv==' $(LOCK) || echo 'uv>=0.5,<1')"
	$(BIN)/uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 \
	  $(if $(UPGRADE),--upgrade) --quiet --custom-compile-command "make lock" --output-file $(LOCK)

# Builds the image and runs it under a Docker daemon of its own (see the script's header).
image-check: $(VENV)/.installed-dev
	.ci/image-check

migrate: $(VENV)/.installed
	$(BIN)/career-mobility migrate

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis dist build
