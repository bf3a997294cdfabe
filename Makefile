# Both entry points set themselves up from nothing: a .venv is created when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_TODAY ?= 2026-11-16
DEMO_DIR := out/demo

.PHONY: test lint typecheck demo bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest

demo: $(STAMP)
	$(BIN)/python -m jobs demo --out $(DEMO_DIR) --today $(DEMO_TODAY)

bench: $(STAMP)
	$(BIN)/python bench/scan_bench.py
	$(BIN)/python bench/pipeline_bench.py

clean:
	rm -rf $(VENV) out .mypy_cache .ruff_cache .pytest_cache
