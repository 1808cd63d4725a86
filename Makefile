# partnerfleet: `make demo` runs the main job, `make test` the whole suite.
# Both create .venv and install what they need on first use.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo demo-serve demo-stop test test-sqlite test-postgres engine postgres chromium lint fmt bench clean lock sdk

# Installs exactly what requirements/dev.lock pins, then this project (editable, no deps).
$(STAMP): pyproject.toml requirements/dev.lock sdk/python/setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m pip install --quiet --no-deps -e sdk/python
	touch $(STAMP)

# Re-resolve the lock from the ranges in pyproject.toml (newest versions that fit).
lock: install
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 --upgrade \
		--custom-compile-command "make lock" --no-annotate -o requirements/dev.lock

install: $(STAMP)

engine:
	scripts/install-pulumi

postgres:
	scripts/ensure-postgres

# The plugin's schema and the SDKs generated from it (TypeScript, Python, Go) under sdk/.
sdk: install
	scripts/gen-sdk.sh

demo: install engine
	$(PY) scripts/demo.py

demo-serve: install
	$(PY) scripts/demo.py serve

demo-stop: install
	$(PY) scripts/demo.py stop

chromium:
	scripts/ensure-chromium

test-sqlite: install engine chromium
	$(PY) -m pytest -q

test-postgres: install postgres
	PARTNERFLEET_TEST_DB=postgresql $(PY) -m pytest -q -m "not engine"

test: lint test-sqlite test-postgres

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --strict policy/__main__.py

clean:
	rm -rf $(VENV) .partnerfleet .pytest_cache .mypy_cache .ruff_cache .hypothesis

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
