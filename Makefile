# Pudong talent desk. `make run` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Rasa 3.6 needs Python 3.10: pyenv's 3.10.x if present, else a python3.10 on PATH that runs.
PYTHON ?= $(shell for p in $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.10.*/bin/python 2>/dev/null | sort -V | tail -1) $$(command -v python3.10 2>/dev/null); do \
            "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null && echo "$$p" && break; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONHASHSEED := 0
# out_of_scope.yml is trained as `desk data generate` filtered it into build/data (desk/admin/coverage.py)
RASA_DATA := $(filter-out data/nlu/out_of_scope.yml,$(wildcard data/nlu/*.yml)) data/rules.yml build/data
TEST_MODEL := build/test-models/desk-test.tar.gz
# test-only (npm, package-lock.json): the accessibility check tests/test_web.py runs in every page
AXE := node_modules/axe-core/axe.min.js

help:
	@echo "make run      set up, load policies, train if needed, start everything"
	@echo "make test     the whole test suite (what CI runs)"
	@echo "make eval     accuracy on the held-out questions vs a TF-IDF baseline"
	@echo "make bench    latency, throughput, memory, training/load time, WeChat, publish stall"
	@echo "make soak     30-min soak at 20 sessions, kill -9 of each component, fuzz (SOAK_MINUTES=5 for short)"
	@echo "make db | data | train | validate | lint | clean"

$(STAMP): pyproject.toml requirements/constraints.txt
	@test -n "$(PYTHON)" || { echo "Python 3.10 not found: install it or set PYTHON=/path/to/python3.10"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==24.0"
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

# The database owns the policies (README "One source of truth"): the files only seed an empty one.
db: venv
	$(BIN)/desk db upgrade --seed data/policies

data: db
	$(BIN)/desk data generate

train: db
	$(BIN)/desk train

validate: data
	$(BIN)/rasa data validate --domain build/domain --data $(RASA_DATA) --config config.yml --fail-on-warnings

lint: venv
	$(BIN)/ruff check desk actions tests eval

run: train
	$(BIN)/python -m desk.admin.run

# The test model is trained from the repository's policies in a fresh database, never from the
# local one (which the database owns: admin imports, review accepts): the tests load data/policies.
TEST_DB := sqlite:///$(CURDIR)/build/test-policies.db
$(TEST_MODEL): data config.yml
	rm -f build/test-policies.db
	DESK_DB_URL=$(TEST_DB) $(BIN)/desk policy import data/policies > /dev/null
	DESK_DB_URL=$(TEST_DB) $(BIN)/desk train --out build/test-models --fixed-model-name desk-test

$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(AXE)

test: lint validate $(TEST_MODEL) $(AXE)
	$(BIN)/rasa test core --model $(TEST_MODEL) --stories tests/stories \
	  --fail-on-prediction-errors --out build/test-results/core
	DESK_TEST_MODEL=$(TEST_MODEL) $(BIN)/python -m pytest -q

eval: data
	$(BIN)/python -m eval.evaluate

bench: train
	$(BIN)/python -m eval.bench                               # through the gateway, as served
	$(BIN)/python -m eval.bench --direct --skip-training      # Rasa server alone
	$(BIN)/python -m eval.wechat_latency                      # WeChat callback, plaintext and AES
	$(BIN)/python -m eval.publish_stall                       # callers' latency during desk publish
	$(BIN)/python -m eval.bench_replicas                      # 1 vs 2 Rasa servers on PostgreSQL + Redis, sizing

# soak (SOAK_MINUTES at 20 sessions), kill -9 of each component under load, fuzz of the public port
SOAK_MINUTES ?= 30
soak: train
	$(BIN)/python -m eval.soak all --minutes $(SOAK_MINUTES)

clean:
	rm -rf build models results .rasa
.PHONY: help venv db data train validate lint run test eval bench soak clean
