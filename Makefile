# Two commands: `make run` starts the whole stack, `make test` runs every check.
# Both install uv and the locked dependencies first, so they work on a fresh machine.

SHELL := /bin/bash
PYTHON ?= python3
UV ?= $(PYTHON) -m uv
PORT ?= 8080

.PHONY: run test install lint typecheck pytest bench clean

install:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen

run: install
	$(UV) run orchestrator stack --port $(PORT)

lint: install
	$(UV) run ruff format --check .
	$(UV) run ruff check .

typecheck: install
	$(UV) run mypy orchestrator mcp-servers bench

pytest: install
	$(UV) run pytest

test: lint typecheck pytest

bench: install
	$(UV) run python bench/run.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
