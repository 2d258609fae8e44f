"""Benchmark: what observability costs on the hot path, each variant against the baseline, in one run.

Cached `POST /query` under `wrk -t1 -c32 --latency` with the server as the limit: `--replicas`
orchestrators per variant (an entry of `variants`: label → environment), all on one chargebee service,
answers cached; rounds interleaved with the order flipped every other round. Server and wrk CPU are
printed beside each run, and each variant's req/s as a ratio of the first variant's.

Two processes with identical settings differ by a few per cent for as long as they live (memory
layout, where the allocator put things), so one process per variant measures its layout as much as
its settings. Each variant is therefore the mean of its replicas in each round, and every process
runs with the same `PYTHONHASHSEED`; the ratio is the median over rounds of the per-round ratios.

- `all off`: `ORCH_TRACES_EXPORTER=none` (spans are still created, for the ids), `ORCH_METRICS=off`.
- `all off, second process`: the same settings in another process: the noise floor of the ratios (two
  identical processes differ by a few per cent, from hash seeds, memory layout and where the machine's
  other load lands).
- `metrics on`: Prometheus metrics on, tracing not exported.
- `both on, 10 % of traces` / `every trace`: metrics on, and traces sampled at that ratio and exported
  with `otlp-http` to a collector on loopback (`mcp_devtools.testing.otlp_receiver`), encoded and sent
  by the exporter process (`mcp_common.span_shipping`, the default).
- `…, export thread`: the same, exported from a thread of the orchestrator (the SDK's
  `BatchSpanProcessor`, `ORCH_TRACES_EXPORT_PROCESS=false`).

Server CPU counts the orchestrator's child processes too (the exporter process included).

`--profile`: after the rounds, one more wrk run per variant with py-spy sampling the server, and the
share of its samples spent in Prometheus metrics and in OpenTelemetry spans (creation, processors,
shipping): the cost of each part without the run-to-run noise of throughput.

Usage: uv run --frozen python bench/observability.py [--rounds 6] [--duration 5] [--first N] [--replicas 2]
       [--profile] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
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
    wrk_run,
)

from mcp_devtools.testing import otlp_receiver

QUESTION = {"query": "what plan am I on?", "email": "ada@example.com"}


def variants(sink: str) -> dict[str, dict[str, str]]:
    """label → the orchestrator's extra environment; the first is the baseline."""
    exported = {"ORCH_TRACES_EXPORTER": "otlp-http", "ORCH_OTLP_ENDPOINT": sink}
    in_thread = {"ORCH_TRACES_EXPORT_PROCESS": "false"}
    return {
        "all off": {"ORCH_TRACES_EXPORTER": "none", "ORCH_METRICS": "off"},
        "all off, second process": {"ORCH_TRACES_EXPORTER": "none", "ORCH_METRICS": "off"},
        "metrics on": {"ORCH_TRACES_EXPORTER": "none", "ORCH_METRICS": "on"},
        "both on, 10 % of traces": exported | {"ORCH_TRACES_SAMPLE_RATIO": "0.1", "ORCH_METRICS": "on"},
        "both on, every trace": exported | {"ORCH_TRACES_SAMPLE_RATIO": "1.0", "ORCH_METRICS": "on"},
        "both on, 10 %, export thread": exported
        | in_thread
        | {"ORCH_TRACES_SAMPLE_RATIO": "0.1", "ORCH_METRICS": "on"},
        "both on, every trace, export thread": exported
        | in_thread
        | {"ORCH_TRACES_SAMPLE_RATIO": "1.0", "ORCH_METRICS": "on"},
    }


def start_stack(processes: Processes, sink: str, only: int | None, replicas: int) -> dict[str, tuple[str, int]]:
    """`replica label` → (URL, pid): `replicas` orchestrators per variant, replica names `<label> #<n>`."""
    common = orchestrator_env(start_billing(processes))
    targets: dict[str, tuple[str, int]] = {}
    for label, extra in list(variants(sink).items())[:only]:
        for number in range(1, replicas + 1):
            port = free_port()
            env = common | extra | {"PORT": str(port), "PYTHONHASHSEED": "0"}
            name = f"{label} #{number}"
            pid = processes.start(name.replace(" ", "-"), [sys.executable, "-m", "orchestrator"], env, REPO,
                                  f"http://127.0.0.1:{port}/health")  # fmt: skip
            targets[name] = (f"http://127.0.0.1:{port}/query", pid)
    return targets


def variant_of(name: str) -> str:
    return name.rpartition(" #")[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--first", type=int, help="run only the first N variants (the baseline is the first)")
    parser.add_argument("--profile", action="store_true", help="py-spy shares of metrics and spans per variant")
    parser.add_argument("--replicas", type=int, default=2, help="orchestrator processes per variant")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, otlp_receiver() as (sink, received):
        work = Path(tmp)
        processes = Processes(work)
        lua = query_lua(work / "query.lua", QUESTION)
        try:
            targets = start_stack(processes, sink, args.first, max(1, args.replicas))
            for url, _pid in targets.values():
                warm_cache(url, QUESTION)
            scripted = {name: (url, pid, lua) for name, (url, pid) in targets.items()}
            runs = interleaved_rounds(processes, scripted, args.rounds, args.duration)
            shares = {}
            if args.profile:  # the first replica of each variant
                shares = {variant_of(name): profile(url, pid, lua, work, args.duration)
                          for name, (url, pid, lua) in scripted.items() if name.endswith(" #1")}  # fmt: skip
        finally:
            processes.stop_all()
    report = _report(runs, args, exported=sum(len(body) for _, body in received))
    if args.profile:
        report += "\n\n" + _profile_table(shares)
    print(report)
    if args.markdown:
        args.markdown.write_text(report)


# Frames whose presence in a sample's stack charges the sample to that part (the first part that matches).
PARTS = {
    "metrics": ("prometheus_client/", "mcp_common/metrics.py", "orchestrator/observability/metrics.py"),
    "spans": (
        "/opentelemetry/",
        "mcp_common/span_shipping.py",
        "mcp_common/tracing.py",
        "orchestrator/observability/spans.py",
    ),
}


def profile(url: str, pid: int, lua: Path, work: Path, duration_s: float) -> dict[str, float]:
    """One wrk run with py-spy sampling the server: the share (%) of its samples in each of `PARTS`."""
    out = work / f"profile-{pid}.txt"
    spy = subprocess.Popen(
        [str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(pid), "-d", f"{duration_s:g}", "-r", "500",
         "-f", "raw", "-o", str(out), "--nonblocking", "--full-filenames"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wrk_run(url, pid, lua, duration_s)
    spy.wait(duration_s + 30)
    total, parts = 0, dict.fromkeys(PARTS, 0)
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        part = next((name for name, marks in PARTS.items() if any(m in stack for m in marks)), None)
        if part is not None:
            parts[part] += int(count)
    return {name: 100 * n / max(total, 1) for name, n in parts.items()} | {"samples": float(total)}


def _profile_table(shares: dict[str, dict[str, float]]) -> str:
    rows = ["| variant | samples | metrics % | spans % |", "|---|---:|---:|---:|"]
    rows += [f"| {label} | {s['samples']:.0f} | {s['metrics']:.1f} | {s['spans']:.1f} |" for label, s in shares.items()]
    return "\n".join(["Share of the server's py-spy samples (one more wrk run per variant, 500 Hz)", "", *rows])


def by_variant(runs: dict[str, list[dict[str, float]]]) -> dict[str, list[dict[str, float]]]:
    """Replica runs → one run per variant and round: the mean of its replicas' figures in that round."""
    grouped: dict[str, list[list[dict[str, float]]]] = {}
    for name, replica_runs in runs.items():
        grouped.setdefault(variant_of(name), []).append(replica_runs)
    return {
        label: [{key: statistics.fmean(run[key] for run in round_runs) for key in round_runs[0]}
                for round_runs in zip(*replicas, strict=True)]
        for label, replicas in grouped.items()
    }  # fmt: skip


def _report(replica_runs: dict[str, list[dict[str, float]]], args: argparse.Namespace, *, exported: int) -> str:
    runs = by_variant(replica_runs)

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
            f" {statistics.median(ratios):.3f} |"
        )
        if label != base:
            notes.append(
                f"- {label} / {base}: req/s per round {min(ratios):.3f}-{max(ratios):.3f};"
                f" CPU per request {cpu_us(label) / cpu_us(base):.3f}×"
            )
    replicas = len(replica_runs) // len(runs)
    return "\n".join(
        [
            f"Cached POST /query, wrk -t1 -c32 -d{args.duration:g}s, {replicas} processes per variant (their mean"
            f" in each round), median of {args.rounds} interleaved rounds; the ratio: median of the per-round ratios",
            "",
            *rows,
            "",
            *notes,
            f"- OTLP bytes received by the sink: {exported}",
        ]
    )


if __name__ == "__main__":
    main()
