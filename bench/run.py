"""`make bench`: every performance benchmark in turn, then one line per goal: figure, baseline, ratio, target, met.

Each benchmark is a module of `bench/` that measures its subject against a baseline measured in the same
run and holds the result to its goals (`goal_rows`):

- `cached`: cached `POST /query` vs a bare FastAPI endpoint under `wrk` (throughput, p99), 2 workers vs 1;
- `uncached`: uncached `/query` over two services vs the same two calls made directly; the orchestrator's
  own time per request at 1 and at 50 clients; fan-out of three slow services vs the slowest;
- `startup`: the orchestrator and the whole local stack from start to healthy (a bare app beside them);
- `memory`: the orchestrator's RSS after 100,000 unique questions vs after 10,000;
- `paths`: the latency of each request path; `/mcp/call` vs the official MCP SDK's `tools/call`.

The machine is shared: every figure is a median, every ratio is against a baseline of the same run, and
the CPU of the load generator is printed beside each load so the reader sees which side was the limit.

Usage: uv run --frozen python bench/run.py [--quick] [--only cached,uncached,...] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

from goals import GoalRow, table

BENCHMARKS = ("cached", "uncached", "startup", "memory", "paths")
# Shorter runs of each benchmark for a first look (`--quick`); the figures in docs/performance.md are full runs.
QUICK = {
    "cached": ["--rounds", "2", "--duration", "3"],
    "uncached": ["--rounds", "2", "--duration", "3"],
    "startup": ["--runs", "3"],
    "memory": ["--questions", "20000", "--checkpoint", "2000"],
    "paths": ["--requests", "500"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter runs (rounds, questions, requests)")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated benchmarks to run")
    parser.add_argument("--markdown", type=Path, help="also write the goal table to this file")
    args = parser.parse_args()
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    if unknown := sorted(set(chosen) - set(BENCHMARKS)):
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    rows: list[GoalRow] = []
    for number, name in enumerate(chosen, 1):
        print(f"\n=== [{number}/{len(chosen)}] {name} ===", flush=True)
        module = importlib.import_module(name)
        started = time.monotonic()
        rows += module.goal_rows(module.parse_args(QUICK[name] if args.quick else []))
        print(f"--- {name}: {time.monotonic() - started:.0f} s", flush=True)
    rendered = table(rows)
    met = sum(row.met for row in rows)
    print(f"\n=== goals: {met} of {len(rows)} met ===\n{rendered}")
    if args.markdown:
        args.markdown.write_text(rendered + "\n")
    sys.exit(0)


if __name__ == "__main__":
    main()
