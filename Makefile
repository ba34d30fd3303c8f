# Comptoir: the entry points people and CI both use.
#   make run    create .venv, install Comptoir, start the demo (emulator + Comptoir + a demo Page)
#   make test   install what the tests need, then lint, type-check and run the whole suite
#   make bench  run the benchmarks in bench/ (ratios against a baseline measured in the same run)
#   make lint   ruff (lint + format check) and mypy

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
EMULATOR_PORT ?= 8001
DATA_DIR ?= .data

.PHONY: run test bench lint venv install install-dev browser clean

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed; installing Debian's python3-venv (needs root)"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null; \
	  else echo "run: sudo apt-get install python3-venv"; exit 1; fi; \
	  rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	@$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/comptoir demo --port $(PORT) --emulator-port $(EMULATOR_PORT) --data-dir $(DATA_DIR)

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# Browser tests use Debian's Chromium; install it when missing and we are allowed to.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing and cannot be installed here: browser tests will skip"; fi; \
	fi

test: install-dev lint browser
	$(BIN)/pytest

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
