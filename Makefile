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

.PHONY: test lint typecheck demo bench package deploy clean

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

bench: $(STAMP)
	$(BIN)/python bench/scan_bench.py
	$(BIN)/python bench/pipeline_bench.py
	$(BIN)/python bench/cold_start.py

# The template and code of a stage, written without an AWS account: out/package/<stage>/.
package: $(STAMP)
	$(BIN)/python -m jobs package --stage $(STAGE) --mail $(MAIL) --out $(PACKAGE_DIR)

# Needs the AWS CLI, credentials, and: BUCKET (the data bucket to create), SENDER (a From
# address SES may send from), ALARM_EMAIL, ARTIFACT_BUCKET (an existing bucket for the code).
deploy: package
	@command -v aws >/dev/null || { echo "deploy needs the AWS CLI (aws)"; exit 2; }
	@for v in BUCKET SENDER ALARM_EMAIL ARTIFACT_BUCKET; do \
		test -n "$$(printenv $$v)" || { echo "set $$v=... (see the README, Deployment)"; exit 2; }; \
	done
	aws cloudformation package --template-file $(PACKAGE_DIR)/template.json \
		--s3-bucket "$$ARTIFACT_BUCKET" --s3-prefix qungov-$(STAGE) \
		--use-json --output-template-file $(PACKAGE_DIR)/packaged.json
	aws cloudformation deploy --template-file $(PACKAGE_DIR)/packaged.json \
		--stack-name qungov-$(STAGE) --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
		--s3-bucket "$$ARTIFACT_BUCKET" --s3-prefix qungov-$(STAGE) \
		--parameter-overrides Stage=$(STAGE) BucketName="$$BUCKET" SenderEmail="$$SENDER" \
		AlarmEmail="$$ALARM_EMAIL"
	aws cloudformation describe-stacks --stack-name qungov-$(STAGE) \
		--query "Stacks[0].Outputs[].[OutputKey,OutputValue]" --output table
	@echo "Still to do by hand (README, Deployment): verify $$SENDER in SES and leave the SES"
	@echo "sandbox; confirm the alarm subscription sent to $$ALARM_EMAIL; upload config/units.csv."

clean:
	rm -rf $(VENV) out .mypy_cache .ruff_cache .pytest_cache
