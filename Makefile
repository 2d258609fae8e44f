# Two commands: `make run` starts the whole stack, `make test` runs every check.
# Both install uv and the locked dependencies first, so they work on a fresh machine.

SHELL := /bin/bash
PYTHON ?= python3
UV ?= $(PYTHON) -m uv
PORT ?= 8080

.PHONY: run test install tools lint typecheck pytest bench smoke clean eval

# Bytecode is compiled at install (the dependencies and the project's own sources), so no process
# compiles modules at start-up, even where PYTHONDONTWRITEBYTECODE is set.
install:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen --compile-bytecode
	@$(UV) run --frozen python -m compileall -q orchestrator/src mcp-servers/*/src devtools/src >/dev/null

# The emulators the tests and benchmarks start (Firestore, Firebase Auth): npm packages pinned by
# their lock files, installed once. Skipped without npm (those tests then skip, unless REQUIRE_*=1).
tools:
	@for dir in tools/*/; do \
		if [ -f "$$dir/package-lock.json" ] && [ ! -d "$$dir/node_modules" ]; then \
			if command -v npm >/dev/null 2>&1; then \
				echo "npm ci --prefix $$dir"; npm ci --prefix "$$dir" --no-audit --no-fund --loglevel=error || exit 1; \
			else echo "npm not found: $$dir not installed"; fi; \
		fi; \
	done

run: install
	$(UV) run mcp-dev stack --port $(PORT)

lint: install
	$(UV) run ruff format --check .
	$(UV) run ruff check .
	$(UV) run hadolint deploy/Dockerfile

typecheck: install
	$(UV) run mypy orchestrator mcp-servers bench deploy devtools

pytest: install tools
	$(UV) run pytest

test: lint typecheck pytest

# Every benchmark, then one line per goal (figure, baseline, ratio, target, met); BENCH_ARGS=--quick for
# shorter runs. The load generator is wrk (apt-get install wrk).
bench: install tools
	@command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk"; exit 1; }
	$(UV) run --frozen python bench/run.py $(BENCH_ARGS)

# Builds every container image with podman and starts each one (without a Docker engine); as root.
smoke:
	bash deploy/smoke.sh

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache

# The embedded planners against the evaluation set (eval/planner/): the test split's headline figures,
# exit 1 when one is more than 2 points worse than eval/planner/scores.json. Tune on `--split dev` only.
eval: install
	$(UV) run --frozen python bench/eval_planner.py --split test --check eval/planner/scores.json
