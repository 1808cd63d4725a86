# partnerfleet: `make demo` runs the main job, `make test` the whole suite.
# Both create .venv and install what they need on first use.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test test-sqlite test-postgres engine postgres lint fmt bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

engine:
	scripts/install-pulumi

postgres:
	scripts/ensure-postgres

demo: install engine
	$(PY) scripts/demo.py

test-sqlite: install engine
	$(PY) -m pytest -q

test-postgres: install postgres
	PARTNERFLEET_TEST_DB=postgresql $(PY) -m pytest -q -m "not engine"

test: lint test-sqlite test-postgres

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .partnerfleet .pytest_cache .mypy_cache .ruff_cache .hypothesis

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
