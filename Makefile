# 枫桥智脑 — `make help` lists the targets.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
BRAIN := $(VENV)/bin/brain
export OMP_NUM_THREADS ?= 2
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.DEFAULT_GOAL := help
.PHONY: help install system-deps run serve index test test-fast lint format typecheck bench eval clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0          # local CPU wheel; a looser pin pulls CUDA
	$(PY) -m pip install -q -e '.[ui,dev,llm-local]'
	touch $@

install: $(VENV)/.installed ## create .venv and install the project with its extras (CPU only)

system-deps: ## Debian packages: CJK fonts, chromium (browser tests), poppler (PDF checks), postgresql (ledger tests), redis-server (shared rate limits)
	@if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  need=""; for p in fonts-noto-cjk fonts-wqy-zenhei chromium poppler-utils postgresql redis-server; do \
	    dpkg -s $$p >/dev/null 2>&1 || need="$$need $$p"; done; \
	  if [ -n "$$need" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null; fi; \
	else echo "system-deps: not root or no apt-get; install fonts-noto-cjk fonts-wqy-zenhei chromium poppler-utils postgresql redis-server yourself"; fi

index: install ## build the search index over the shipped corpus (skipped when up to date)
	$(BRAIN) index build

run: install system-deps index ## install, build the index, load the demo ledger once, start the service with UI on 127.0.0.1:8000
	$(BRAIN) cases demo          # skipped when the ledger already has cases
	$(BRAIN) serve

serve: ## start the service (assumes make install)
	$(BRAIN) serve

test: install system-deps ## install and run the whole test-suite (what CI runs)
	$(PY) -m pytest -q

test-fast: ## tests without the slow and browser ones
	$(PY) -m pytest -q -m "not slow and not browser"

lint: install ## ruff lint + format check, mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: ## apply ruff formatting and safe fixes
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install ## speed benchmarks (tables with baselines measured in the same run)
	$(BRAIN) bench search
	$(BRAIN) bench kg
	$(BRAIN) bench intake
	$(BRAIN) bench api
	$(BRAIN) bench cases
	$(BRAIN) bench analysis --sizes 20000,1000000 --pg

eval: install ## run the shipped dev sets and write HTML reports under var/reports
	$(BRAIN) eval run retrieval --data eval/datasets/retrieval_statutes_dev.jsonl --report var/reports/retrieval-statutes
	$(BRAIN) eval run retrieval --data eval/datasets/retrieval_cjrc_dev.jsonl --report var/reports/retrieval-cjrc
	$(BRAIN) eval run retrieval --data eval/datasets/stard_dev.jsonl --report var/reports/retrieval-stard
	for s in lawbench_2-4 tipdm_level1 cjrc_test; do \
	  $(BRAIN) eval run intake --data eval/datasets/intake_$${s}_test.jsonl --report var/reports/intake-$$s || exit 1; done
	$(BRAIN) eval run drafting --data eval/datasets/drafting_dev.jsonl --report var/reports/drafting
	$(BRAIN) eval run chat --data eval/datasets/chat_dev.jsonl --report var/reports/chat
	for s in dev_b quiet_b; do \
	  $(BRAIN) eval run analysis --data eval/datasets/analysis_$$s.jsonl --report var/reports/analysis-$$s || exit 1; done

clean: ## remove built state (indices, graph data); keeps .venv
	rm -rf var
