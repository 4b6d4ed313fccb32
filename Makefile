# Two commands set everything up on a fresh machine with Python 3.11: `make run`, `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install lock run setup test lint format check bench clean

# DEBUG is off unless set; the embedded default (make run) sets it, so the development
# SECRET_KEY is accepted. Production sets DEBUG=false and a real SECRET_KEY (.env.example).
setup run check: export DEBUG ?= true

install: $(VENV)/.installed

# Every dependency, transitive ones included, comes pinned with hashes from requirements.lock
# (runtime + dev); the project itself is installed on top without resolving anything.
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# After editing the dependencies in pyproject.toml: `make lock` (keeps the other pins),
# `make lock LOCK_ARGS=--upgrade` moves every pin to the newest allowed release. The runtime
# lock (Dockerfile) is resolved inside the full one, so the two never disagree.
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --python-version 3.11 --universal \
	--generate-hashes --no-header --quiet
lock: install
	$(UV_COMPILE) --extra dev $(LOCK_ARGS) -o requirements.lock
	$(UV_COMPILE) --constraints requirements.lock -o requirements-prod.lock

setup: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_seeds
	$(BIN)/python manage.py create_demo_users
	$(BIN)/python manage.py load_demo_data

run: setup
	@echo "Портал: http://$(HOST):$(PORT)/  (остановить: Ctrl+C)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# One pytest process per core (files stay together: the browser tests flush the database and
# reload the seeds once their module is done; --no-loadscope-reorder keeps the order
# tests/conftest.py gives, the long browser files first) and each worker keeps its test
# database between runs (--reuse-db; new migrations are still applied). On a fresh clone one
# worker migrates and seeds its SQLite database and the others copy it (tests/conftest.py,
# var/test-db-template-*).
# `make test PYTEST_ARGS="-n0"` runs serially; `--create-db` rebuilds the databases.
# Bytecode is cached even where the environment turns it off (PYTHONDONTWRITEBYTECODE=1, as on
# some CI machines): otherwise every process of the run compiles the project and pytest
# rewrites every test module's asserts again (~3 s per process; __pycache__ is ignored by git).
PYTEST_XDIST ?= -n auto --dist loadfile --no-loadscope-reorder
test: install
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest --reuse-db $(PYTEST_XDIST) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var db.sqlite3 db.sqlite3-wal db.sqlite3-shm
