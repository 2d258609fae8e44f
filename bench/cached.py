"""Benchmark: cached `POST /query` against a bare FastAPI endpoint, with the server as the limit, in one run.

Targets, each a server process measured by `wrk -t1 -c32 --latency` (the CPU of the server, its worker
processes included, and of wrk printed beside every run, so the reader sees which side was saturated):

- `bare`: `bench/bare_app.py`, a FastAPI POST endpoint with a Pydantic body (query + EmailStr), nothing else;
- `orchestrator`: `python -m orchestrator`, one process, memory state, the answer cache warmed and checked;
- `logs at INFO`: the same with the default log level (an access line and a decision record per request,
  written to stdout, here a file);
- `1 worker (sqlite)` and `2 workers (sqlite)`: the same with `ORCH_WORKERS=1` / `2` on the SQLite backend
  (several workers need a state backend they share), for how throughput scales with processes.

Every orchestrator serves one chargebee service, logs at WARNING (but one), tracing not exported, metrics on (the
development defaults otherwise: CORS, Host allowlist, body cap, rate-limit check, decision record). Rounds
are interleaved, the order reversed every other round; medians of the rounds, ratios against `bare` (and
2 workers against 1) from the same rounds.

Usage: uv run --frozen python bench/cached.py [--rounds 3] [--duration 5] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from ab_trees import (
    REPO,
    Processes,
    free_port,
    interleaved_rounds,
    orchestrator_env,
    query_lua,
    start_billing,
    warm_cache,
)
from goals import GoalRow, at_least, at_most, table

QUESTION = {"query": "what plan am I on?", "email": "ada@example.com"}
BENCH = Path(__file__).resolve().parent
Runs = dict[str, list[dict[str, float]]]


def start_targets(processes: Processes, work: Path) -> dict[str, tuple[str, int]]:
    """label → (URL, pid) of every target, started and warmed."""
    targets: dict[str, tuple[str, int]] = {}
    port = free_port()
    pid = processes.start("bare", [sys.executable, str(BENCH / "bare_app.py"), str(port)], {}, REPO,
                          f"http://127.0.0.1:{port}/docs")  # fmt: skip
    targets["bare"] = (f"http://127.0.0.1:{port}/echo", pid)
    common = orchestrator_env(start_billing(processes)) | {"ORCH_L2_MAX_TTL_S": "3600"}
    variants = {
        "orchestrator": {"ORCH_STATE_BACKEND": "memory"},
        "logs at INFO": {"ORCH_STATE_BACKEND": "memory", "ORCH_LOG_LEVEL": "INFO"},
        "1 worker (sqlite)": {"ORCH_STATE_BACKEND": "sqlite", "ORCH_WORKERS": "1"},
        "2 workers (sqlite)": {"ORCH_STATE_BACKEND": "sqlite", "ORCH_WORKERS": "2"},
    }
    for label, extra in variants.items():
        port = free_port()
        name = label.split(" (")[0].replace(" ", "-")
        state = {"ORCH_STATE_PATH": str(work / f"{name}.sqlite3")}
        env = common | extra | state | {"PORT": str(port)}
        pid = processes.start(name, [sys.executable, "-m", "orchestrator"], env, REPO,
                              f"http://127.0.0.1:{port}/health")  # fmt: skip
        url = f"http://127.0.0.1:{port}/query"
        warm_cache(url, QUESTION)
        targets[label] = (url, pid)
    return targets


def measure(rounds: int, duration_s: float) -> Runs:
    """Every target's wrk runs, interleaved."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        processes = Processes(work)
        lua = query_lua(work / "query.lua", QUESTION)
        try:
            targets = start_targets(processes, work)
            return interleaved_rounds(processes, {k: (url, pid, lua) for k, (url, pid) in targets.items()},
                                      rounds, duration_s)  # fmt: skip
        finally:
            processes.stop_all()


def median(runs: Runs, label: str, name: str) -> float:
    return statistics.median(run[name] for run in runs[label])


def ratio(runs: Runs, label: str, base: str, name: str = "rps") -> float:
    """The median over rounds of `label` / `base` in the same round."""
    return statistics.median(a[name] / b[name] for a, b in zip(runs[label], runs[base], strict=True))


def cpu_per_request(runs: Runs, label: str) -> float:
    """Median over rounds of the server's CPU time per request, µs (robust to other load on the machine)."""
    return statistics.median(run["server"] * 10_000 / run["rps"] for run in runs[label])


def report(runs: Runs, args: argparse.Namespace) -> str:
    rows = [
        "| target | req/s | p50 ms | p99 ms | server CPU % | wrk CPU % | server CPU µs per request |"
        " req/s ÷ bare (per-round median) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label in runs:
        rows.append(
            f"| {label} | {median(runs, label, 'rps'):,.0f} | {median(runs, label, 'p50'):.2f} |"
            f" {median(runs, label, 'p99'):.2f} | {median(runs, label, 'server'):.0f} |"
            f" {median(runs, label, 'wrk'):.0f} | {cpu_per_request(runs, label):.0f} |"
            f" {ratio(runs, label, 'bare'):.2f} |"
        )
    head = f"Cached POST /query, wrk -t1 -c32 -d{args.duration:g}s, medians of {args.rounds} interleaved rounds"
    return "\n".join([head, "", *rows])


def rows_for(runs: Runs) -> list[GoalRow]:
    """Cached /query against bare (throughput, p99) and 2 workers against 1."""
    base = "bare"
    subject = "orchestrator"
    return [
        at_least("cached /query req/s ÷ bare FastAPI (1 worker)", median(runs, subject, "rps"),
                 median(runs, base, "rps"), 0.6, "req/s"),
        at_most("cached /query p99 ÷ bare p99", median(runs, subject, "p99"), median(runs, base, "p99"), 3, "ms"),
        at_least("2 workers ÷ 1 worker req/s (sqlite, cached)", median(runs, "2 workers (sqlite)", "rps"),
                 median(runs, "1 worker (sqlite)", "rps"), 1.7, "req/s"),
    ]  # fmt: skip


def goal_rows(args: argparse.Namespace) -> list[GoalRow]:
    """Measure, print the report, and hold the medians to the goals."""
    runs = measure(args.rounds, args.duration)
    print(report(runs, args), flush=True)
    return rows_for(runs)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per wrk run (default 5)")
    parser.add_argument("--markdown", type=Path, help="also write the report and the goal table to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    runs = measure(args.rounds, args.duration)
    text = "\n\n".join([report(runs, args), table(rows_for(runs))])
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n")


if __name__ == "__main__":
    main()
