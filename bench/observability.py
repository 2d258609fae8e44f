"""Benchmark: what observability costs on the hot path, each variant against the baseline, in one run.

Cached `POST /query` under `wrk -t1 -c32 --latency` with the server as the limit: one orchestrator
per variant (an entry of `VARIANTS`: label → environment), all on one chargebee service, answers
cached; rounds interleaved with the order flipped every other round. Server and wrk CPU are printed
beside each run, and each variant's req/s as a ratio of the first variant's.

- `all off`: `ORCH_TRACES_EXPORTER=none` (spans are still created, for the ids), `ORCH_METRICS=off`.
- `metrics on`: Prometheus metrics on, tracing not exported.
- `both on, 10 % of traces` / `every trace`: metrics on, and traces sampled at that ratio and exported
  with `otlp-http` to a sink on loopback that accepts and discards.

Usage: uv run --frozen python bench/observability.py [--rounds 6] [--duration 5] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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

QUESTION = {"query": "what plan am I on?", "email": "ada@example.com"}


def variants(sink: str) -> dict[str, dict[str, str]]:
    """label → the orchestrator's extra environment; the first is the baseline."""
    exported = {"ORCH_TRACES_EXPORTER": "otlp-http", "ORCH_OTLP_ENDPOINT": sink}
    return {
        "all off": {"ORCH_TRACES_EXPORTER": "none", "ORCH_METRICS": "off"},
        "metrics on": {"ORCH_TRACES_EXPORTER": "none", "ORCH_METRICS": "on"},
        "both on, 10 % of traces": exported | {"ORCH_TRACES_SAMPLE_RATIO": "0.1", "ORCH_METRICS": "on"},
        "both on, every trace": exported | {"ORCH_TRACES_SAMPLE_RATIO": "1.0", "ORCH_METRICS": "on"},
    }


@contextmanager
def discarding_sink() -> Iterator[tuple[str, list[int]]]:
    """An OTLP/HTTP endpoint on loopback that reads each export, counts its bytes and answers 200."""
    received: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            received.append(len(self.rfile.read(int(self.headers.get("content-length", 0)))))
            self.send_response(200)
            self.send_header("content-type", "application/x-protobuf")
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        thread.join(5)


def start_stack(processes: Processes, sink: str) -> dict[str, tuple[str, int]]:
    common = orchestrator_env(start_billing(processes))
    targets: dict[str, tuple[str, int]] = {}
    for label, extra in variants(sink).items():
        port = free_port()
        env = common | extra | {"PORT": str(port)}
        name = label.replace(" ", "-")
        pid = processes.start(name, [sys.executable, "-m", "orchestrator"], env, REPO,
                              f"http://127.0.0.1:{port}/health")  # fmt: skip
        targets[label] = (f"http://127.0.0.1:{port}/query", pid)
    return targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, discarding_sink() as (sink, received):
        work = Path(tmp)
        processes = Processes(work)
        lua = query_lua(work / "query.lua", QUESTION)
        try:
            targets = start_stack(processes, sink)
            for url, _pid in targets.values():
                warm_cache(url, QUESTION)
            scripted = {label: (url, pid, lua) for label, (url, pid) in targets.items()}
            runs = interleaved_rounds(processes, scripted, args.rounds, args.duration)
        finally:
            processes.stop_all()
    report = _report(runs, args, exported=sum(received))
    print(report)
    if args.markdown:
        args.markdown.write_text(report)


def _report(runs: dict[str, list[dict[str, float]]], args: argparse.Namespace, *, exported: int) -> str:
    def med(label: str, name: str) -> float:
        return statistics.median(run[name] for run in runs[label])

    def cpu_us(label: str) -> float:  # the server's CPU per request: robust to other load on the machine
        return statistics.median(run["server"] * 10_000 / run["rps"] for run in runs[label])

    base = next(iter(runs))
    rows = [
        f"| variant | req/s | p50 ms | p99 ms | server CPU % | wrk CPU % | CPU µs per request | req/s ÷ {base} |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    notes = []
    for label in runs:
        ratios = [r["rps"] / b["rps"] for r, b in zip(runs[label], runs[base], strict=True)]
        rows.append(
            f"| {label} | {med(label, 'rps'):.0f} | {med(label, 'p50'):.2f} | {med(label, 'p99'):.2f} |"
            f" {med(label, 'server'):.0f} | {med(label, 'wrk'):.0f} | {cpu_us(label):.0f} |"
            f" {med(label, 'rps') / med(base, 'rps'):.3f} |"
        )
        if label != base:
            notes.append(
                f"- {label} / {base}: req/s per round {min(ratios):.3f}-{max(ratios):.3f};"
                f" CPU per request {cpu_us(label) / cpu_us(base):.3f}×"
            )
    return "\n".join(
        [
            f"Cached POST /query, wrk -t1 -c32 -d{args.duration:g}s, median of {args.rounds} interleaved rounds",
            "",
            *rows,
            "",
            *notes,
            f"- OTLP bytes received by the sink: {exported}",
        ]
    )


if __name__ == "__main__":
    main()
