# illustra: `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORPUS ?= ../shared/corpus/dev.jsonl
ACCURACY_CORPORA ?= $(CORPUS) $(wildcard ../shared/corpus/ocr_hk_dev.jsonl ../shared/realworld/real_dev.jsonl)

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the documented targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-16s %s\n", $$1, $$2}'

# uv installs the workspace from its lock file; the first run fetches uv itself (the version the dev group pins).
UV_VERSION := 0.13.9
PACKAGE_FILES := pyproject.toml uv.lock $(wildcard */pyproject.toml services/*/pyproject.toml)

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)

# Compiled at install, as pip does: processes started with PYTHONDONTWRITEBYTECODE would compile every import.
$(BIN)/illustra: $(BIN)/uv $(PACKAGE_FILES)
	$(BIN)/uv sync --locked --quiet --compile-bytecode
	@touch $@

.PHONY: install
install: $(BIN)/illustra ## create .venv/ with every package of the workspace (editable) and the dev tools

.PHONY: demo
demo: install ## run everything in one process (SQLite, in-process broker) on the samples, then serve :8080
	$(BIN)/illustra demo

.PHONY: up
up: install ## start gateway, status, extractor and edge in the background (Redis + PostgreSQL), at :8080
	$(BIN)/illustra up

.PHONY: down
down: ## stop what `make up` started
	@if [ -x $(BIN)/illustra ]; then $(BIN)/illustra down; fi

.PHONY: migrate
migrate: install ## create the database if missing and apply its migrations
	$(BIN)/illustra migrate

.PHONY: test
test: install ## run the unit and integration tests (needs Redis and PostgreSQL)
	$(BIN)/pytest

.PHONY: test-unit
test-unit: install ## run the unit tests only
	$(BIN)/pytest tests/unit

.PHONY: test-deploy
test-deploy: install ## check Dockerfiles, Kubernetes manifests, alert rules and the dashboard
	$(BIN)/pytest tests/deploy

.PHONY: lint
lint: install ## check code and formatting (ruff), types (mypy) and the import rules between the packages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

.PHONY: format
format: install ## fix style
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

.PHONY: bench-accuracy
bench-accuracy: install ## score the rules extractor per corpus: CORPUS, or the dev, ocr_hk_dev and real_dev corpora
	$(BIN)/python bench/accuracy.py $(if $(filter command line environment,$(origin CORPUS)),$(CORPUS),$(ACCURACY_CORPORA))

.PHONY: bench-pipeline
bench-pipeline: install ## illustra vs the Celery design end to end: throughput and latency (CORPUS)
	$(BIN)/uv sync --locked --quiet --compile-bytecode --group bench
	$(BIN)/python bench/pipeline.py $(CORPUS)

.PHONY: bench-cpu
bench-cpu: install ## where the CPU goes per document, by process, and the ceiling it makes (CORPUS)
	$(BIN)/python bench/pipeline.py $(CORPUS) --cpu

.PHONY: bench-http
bench-http: install ## save and status requests/s and latency beside a bare Falcon app (needs wrk)
	@command -v wrk >/dev/null || { echo "bench-http needs wrk: apt-get install wrk"; exit 1; }
	$(BIN)/python bench/http.py $(CORPUS)

.PHONY: bench-soak
bench-soak: install ## a steady stream for minutes while workers are killed and Redis restarts empty
	$(BIN)/python bench/soak.py $(CORPUS)

.PHONY: bench-oracle
bench-oracle: install ## llm and hybrid against a model answering right (the corpus's answers): accuracy, calls (CORPUS)
	$(BIN)/python bench/oracle.py $(CORPUS)

.PHONY: bench-llm-cost
bench-llm-cost: install ## LLM calls and tokens of llm vs hybrid mode against a local fake API (CORPUS or examples/)
	$(BIN)/python bench/llm_cost.py $(if $(wildcard $(CORPUS)),$(CORPUS),)

.PHONY: bench-llm-scale
bench-llm-scale: install ## one extractor pod in llm mode vs the Celery design, against a slow stand-in model (CORPUS)
	$(BIN)/uv sync --locked --quiet --compile-bytecode --group bench
	$(BIN)/python bench/llm_scale.py $(CORPUS) $(ARGS)

.PHONY: clean
clean: down ## remove the virtual environment and run files
	rm -rf $(VENV) .run
