# Both entry points set themselves up from nothing: a .venv is created when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_TODAY ?= 2026-11-16
DEMO_DIR := out/demo
STAGE ?= dev
MAIL ?= ses
PACKAGE_DIR ?= out/package/$(STAGE)
SMOKE_DIR ?= out/package/smoke

.PHONY: test lint typecheck demo portal bench package deploy smoke clean

$(STAMP): requirements.txt requirements-dev.txt
	@echo "Installing qungov's dependencies into $(VENV) (about two minutes, once) ..."
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip<26.3"  # chalice 1.34 requires pip<26.3
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

# The portal on this machine (moto's server, the sample college after a weekly run): prints a
# unit's and an office's link to open in a browser; Ctrl-C ends it. PORTAL_PORT=0: any free port.
PORTAL_PORT ?= 8000
portal: $(STAMP)
	$(BIN)/python -m jobs.serve --port $(PORTAL_PORT)

bench: $(STAMP)
	$(BIN)/python bench/scan_bench.py
	$(BIN)/python bench/pipeline_bench.py
	$(BIN)/python bench/cold_start.py

# The template and code of a stage, written without an AWS account: out/package/<stage>/.
package: $(STAMP)
	$(BIN)/python -m jobs package --stage $(STAGE) --mail $(MAIL) --out $(PACKAGE_DIR)

# Needs credentials, and: BUCKET (the data bucket to create), SENDER (the From address),
# ALARM_EMAIL, ARTIFACT_BUCKET (an existing bucket, in the stack's region, for the code);
# optionally DIGEST_CONCURRENCY. MAIL=smtp where the region has no SES (README, Regions).
deploy: package
	$(BIN)/python -m jobs deploy --stage $(STAGE) --mail $(MAIL) --package-dir $(PACKAGE_DIR)

# A rehearsal on a real account (README, Runbook): deploys the stage `smoke`, runs a week
# on the sample college, checks the digests reached TO, deletes the stage. Needs
# credentials, TO, SENDER (verified in SES) and ARTIFACT_BUCKET.
smoke: $(STAMP)
	$(BIN)/python -m jobs smoke --out $(SMOKE_DIR)

clean:
	rm -rf $(VENV) out .mypy_cache .ruff_cache .pytest_cache
