"""Benchmark: start-up time, from exec to the first 200 on `/health`, against a bare FastAPI app.

- (a) baseline: `bench/bare_app.py` (FastAPI + uvicorn + a Pydantic body, nothing else) started as a
  process, exec → first 200 on a route it serves.
- (b) the orchestrator, `python -m orchestrator` on its embedded defaults (`ORCH_STATE_BACKEND=memory`,
  the default services config), exec → first 200 on `/health`.
- (c) the whole local stack as `make run` starts it (`mcp_devtools.stack.run_stack`: every service and
  the orchestrator), start → every process healthy.

Each run starts all three once, in that order; the first, unmeasured round warms the disk cache and the
services' databases (a bench-owned directory, so a `make run` elsewhere is not disturbed). Health is
polled every 10 ms here; the stack polls with its own interval, as `make run` does. Medians printed.

Usage: uv run --frozen python bench/startup.py [--runs 5] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ab_trees import BENCH, REPO, Processes, free_port, outer_env
from goals import GoalRow, below, table

from mcp_devtools.stack import DEFAULT_SERVICES, run_stack
from mcp_devtools.testing import free_ports

ORCHESTRATOR_GOAL_S = 1.5
STACK_GOAL_S = 6.0
DATABASE_SERVICES = ("menu", "customer_profile", "order", "tracking", "recommendations")


@dataclass
class Timings:
    """Seconds per measured run, by what was started."""

    bare: list[float]
    orchestrator: list[float]
    stack: list[float]


def time_to_200(procs: Processes, name: str, argv: list[str], env: Mapping[str, str], url: str) -> float:
    """Start `argv` and poll `url` every 10 ms; seconds from exec to the first 200 (the process stays up)."""
    log = (procs.log_dir / f"{name}.log").open("wb")
    procs.logs.append(log)
    started = time.monotonic()
    process = subprocess.Popen(argv, env=dict(env), cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    procs.running[name] = process
    while time.monotonic() - started < 60:
        if process.poll() is not None:
            tail = "\n".join((procs.log_dir / f"{name}.log").read_text(errors="replace").splitlines()[-20:])
            raise SystemExit(f"{name} exited with code {process.returncode} during start-up:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.01)
    raise SystemExit(f"{name} did not answer {url} within 60 s (log: {procs.log_dir / name}.log)")


def bare_app(log_dir: Path) -> float:
    """(a): the bare app's exec → first 200 (its only route answers `POST`; a 405 is not a 200, so the
    poll reads the OpenAPI document FastAPI serves by default)."""
    procs = Processes(log_dir)
    port = free_port()
    try:
        argv = [sys.executable, str(BENCH / "bare_app.py"), str(port)]
        return time_to_200(procs, "bare", argv, outer_env(), f"http://127.0.0.1:{port}/openapi.json")
    finally:
        procs.stop_all()


def orchestrator(log_dir: Path) -> float:
    """(b): the orchestrator on its embedded defaults, exec → first 200 on `/health`."""
    procs = Processes(log_dir)
    port = free_port()
    env = outer_env() | {"PORT": str(port), "ORCH_STATE_BACKEND": "memory"}
    try:
        argv = [sys.executable, "-m", "orchestrator"]
        return time_to_200(procs, "orchestrator", argv, env, f"http://127.0.0.1:{port}/health")
    finally:
        procs.stop_all()


def whole_stack(log_dir: Path, data_dir: Path) -> float:
    """(c): `run_stack` on free ports, start → every process healthy (the context entered)."""
    ports = free_ports([*(svc.name for svc in DEFAULT_SERVICES), "orchestrator"])
    env = {
        f"{svc.env_prefix}DATABASE_URL": f"sqlite+aiosqlite:///{data_dir / svc.name}.db"
        for svc in DEFAULT_SERVICES
        if svc.name in DATABASE_SERVICES
    }
    started = time.monotonic()
    with run_stack(ports=ports, orchestrator_port=ports["orchestrator"], env=env, log_dir=log_dir / "stack"):
        return time.monotonic() - started


def measure(runs: int, log_dir: Path) -> Timings:
    """One unmeasured warm-up round, then `runs` rounds of (a), (b), (c)."""
    timings = Timings([], [], [])
    data_dir = log_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    for run in range(runs + 1):
        bare, orch, stack = bare_app(log_dir), orchestrator(log_dir), whole_stack(log_dir, data_dir)
        label = "warm-up" if run == 0 else f"run {run}/{runs}"
        print(f"{label}: bare app {bare:.2f} s, orchestrator {orch:.2f} s, stack {stack:.2f} s", flush=True)
        if run:
            timings.bare.append(bare)
            timings.orchestrator.append(orch)
            timings.stack.append(stack)
    return timings


def rows_for(timings: Timings) -> list[GoalRow]:
    bare = statistics.median(timings.bare)
    baseline = f"bare app {bare:.2f} s"
    return [
        below(
            "orchestrator exec → first 200 on /health",
            statistics.median(timings.orchestrator),
            ORCHESTRATOR_GOAL_S,
            "s",
            baseline,
        ),
        below("whole stack start → all healthy", statistics.median(timings.stack), STACK_GOAL_S, "s", baseline),
    ]


def goal_rows(args: argparse.Namespace) -> list[GoalRow]:
    """Measure (`args.runs` rounds) and hold the medians to the start-up goals."""
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        return rows_for(measure(args.runs, Path(tmp)))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="measured rounds (after one warm-up round)")
    parser.add_argument("--markdown", type=Path, help="also write the goal table to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        timings = measure(args.runs, Path(tmp))
    print(f"\nmedians over {args.runs} runs (min–max):")
    for label, values in (
        ("bare FastAPI app (baseline)", timings.bare),
        ("orchestrator", timings.orchestrator),
        ("whole stack", timings.stack),
    ):
        print(f"  {label:<28} {statistics.median(values):5.2f} s  ({min(values):.2f}–{max(values):.2f})")
    rendered = table(rows_for(timings))
    print("\n" + rendered)
    if args.markdown:
        args.markdown.write_text(rendered + "\n")


if __name__ == "__main__":
    main()
