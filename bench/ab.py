"""A/B benchmark: two git revisions of the project measured in one run, against one baseline.

Figures, each median of `--rounds` interleaved rounds (bare, before, after; after, before, bare; …):
1. cached `POST /query` throughput and latency, with the server as the limit: `wrk -t1 -c32 -d5s --latency`
   against a bare FastAPI endpoint (`bench/bare_app.py`) and against each revision's orchestrator
   (answer cache warmed and checked before each run). The CPU used by wrk and by the server during the
   run is printed beside it (percent of one core), so the reader sees which side was saturated.
2. the orchestrator's service-call round trip: each revision's own `HttpToolSource` calling the
   chargebee service's `POST /mcp/call` (`get_subscription` for ada), run by `bench/ab_call.py`
   with that revision's interpreter: median of sequential calls, and calls/s with 8 in flight.

Each revision gets a git worktree (`--worktrees`, default `../ab/<sha>` beside the repository) with its
own venv (`python3 -m uv sync --frozen`, skipped when already synced for that commit). The services
(chargebee, hubspot) come from the after tree and are shared; one orchestrator runs per revision
(`ORCH_STATE_BACKEND=memory`, `ORCH_CONVERSATIONS=none`). Every process is stopped on exit, Ctrl-C
and SIGTERM included.

Usage: uv run --frozen python bench/ab.py --before REV --after REV [--rounds 3] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from ab_trees import (
    REPO,
    SERVICES,
    CpuMeter,
    CpuShares,
    Processes,
    Tree,
    free_port,
    locked,
    outer_env,
    parse_wrk,
    post_json,
    prepare_tree,
)

QUESTION = {"query": "what plan am I on?", "email": "ada@example.com"}
BENCH = Path(__file__).resolve().parent
CALL_DRIVER = BENCH / "ab_call.py"
CALL_CONCURRENCY = 8
OTHERS_NOTICEABLE = 20.0  # percent of one core used by other processes that the report points out


@dataclass(frozen=True)
class Target:
    """A server measured by wrk: the bare app, or one revision's orchestrator."""

    label: str
    revision: str
    url: str
    pid: int
    orchestrator: bool


@dataclass(frozen=True)
class WrkRun:
    rps: float
    p50_ms: float
    p99_ms: float
    cpu: CpuShares
    socket_errors: int


@dataclass(frozen=True)
class CallRun:
    source: str
    median_ms: float
    p99_ms: float
    calls_per_s: float
    errors: int  # failed calls, each sent again once (a second failure stops the run)
    cpu: CpuShares  # server: the chargebee service; client: the driver, its start-up included


def run_wrk(target: Target, lua: Path, args: argparse.Namespace, duration_s: float) -> WrkRun:
    if target.orchestrator:  # the answer is in the cache: the run measures cache hits only
        post_json(target.url, QUESTION)  # (re)fills it: answers expire (ORCH_ANSWER_TTL_S) between rounds
        reply = post_json(target.url, QUESTION)
        if reply.get("cached") is not True:
            raise SystemExit(f"{target.label}: /query was not answered from the cache: {reply}")
    argv = ["wrk", "-t1", f"-c{args.connections}", f"-d{duration_s:g}s", "--latency", "-s", str(lua), target.url]
    meter = CpuMeter(target.pid)
    result = subprocess.run(argv, capture_output=True, text=True, check=True)
    cpu = meter.shares()
    rps, p50, p99, errors = parse_wrk(result.stdout)
    return WrkRun(rps, p50, p99, cpu, errors)


def run_calls(tree: Tree, chargebee_url: str, chargebee_pid: int, requests: int) -> CallRun:
    argv = [str(tree.python), str(CALL_DRIVER), "--url", chargebee_url, "--requests", str(requests)]
    argv += ["--concurrency", str(CALL_CONCURRENCY)]
    meter = CpuMeter(chargebee_pid)
    result = subprocess.run(argv, cwd=tree.path, env=outer_env(), capture_output=True, text=True)
    cpu = meter.shares()
    if result.returncode != 0:
        raise SystemExit(f"{tree.label}: the call driver failed ({result.returncode}):\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return CallRun(
        figures["source"], figures["median_ms"], figures["p99_ms"], figures["calls_per_s"], figures["errors"], cpu
    )


def median_of(runs: list[Any], name: str) -> float:
    """Median of a figure over the rounds; `cpu.server` names a CPU share."""
    values = []
    for run in runs:
        value = run
        for part in name.split("."):
            value = getattr(value, part)
        values.append(value)
    return float(statistics.median(values))


def ratio(top: list[Any], bottom: list[Any], name: str) -> str:
    """Ratio of the medians, and the range of the per-round ratios (rounds are interleaved, so paired)."""
    per_round = sorted(getattr(t, name) / getattr(b, name) for t, b in zip(top, bottom, strict=True))
    return f"{median_of(top, name) / median_of(bottom, name):.3f} (rounds {per_round[0]:.3f}-{per_round[-1]:.3f})"


# ---------------------------------------------------------------------------------------- the run


def start_servers(processes: Processes, before: Tree, after: Tree) -> tuple[list[Target], dict[str, str]]:
    """The services and the bare app once, one orchestrator per revision; the wrk targets and the services."""
    env = outer_env()
    services: dict[str, str] = {}
    for name, module, prefix in SERVICES:
        port = free_port()
        service_env = env | {f"{prefix}PORT": str(port), f"{prefix}LOG_LEVEL": "WARNING"}
        service_env[f"{prefix}LOG_PAYLOADS"] = "false"
        url = f"http://127.0.0.1:{port}"
        processes.start(name, [str(after.python), "-m", module], service_env, after.path, f"{url}/health")
        services[name] = url
    bare_port = free_port()
    bare_pid = processes.start(
        "bare", [sys.executable, str(BENCH / "bare_app.py"), str(bare_port)], env, BENCH,
        f"http://127.0.0.1:{bare_port}/docs",
    )  # fmt: skip
    targets = [Target("bare", "-", f"http://127.0.0.1:{bare_port}/echo", bare_pid, False)]
    orchestrator_env = env | {
        "ORCH_SERVICES": json.dumps(services),
        "ORCH_STATE_BACKEND": "memory",
        "ORCH_LOG_LEVEL": "WARNING",
        "ORCH_CONVERSATIONS": "none",
        "ORCH_ANSWER_TTL_S": "3600",  # the answer stays cached for the whole run
        "ORCH_L2_MAX_TTL_S": "3600",
    }
    for tree in (before, after):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        argv = [str(tree.python), "-m", "orchestrator"]
        pid = processes.start(f"orchestrator-{tree.label}", argv, orchestrator_env | {"PORT": str(port)}, tree.path,
                              f"{url}/health")  # fmt: skip
        warm = post_json(f"{url}/query", QUESTION)
        if "answer" not in warm:
            raise SystemExit(f"{tree.label}: /query gave no answer: {warm}")
        targets.append(Target(tree.label, tree.short, f"{url}/query", pid, True))
    return targets, services


def measure(args: argparse.Namespace, before: Tree, after: Tree, log_dir: Path) -> str:
    processes = Processes(log_dir)
    try:
        targets, services = start_servers(processes, before, after)
        lua = log_dir / "query.lua"
        lua.write_text(
            f'wrk.method = "POST"\nwrk.body = {json.dumps(json.dumps(QUESTION))}\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
        )
        for target in targets:  # unrecorded warm-up of each server and its connections
            run_wrk(target, lua, args, 1)
        queries: dict[str, list[WrkRun]] = {t.label: [] for t in targets}
        calls: dict[str, list[CallRun]] = {before.label: [], after.label: []}
        for round_number in range(1, args.rounds + 1):
            # Every other round runs in the reverse order, so no revision always follows the other.
            flip = round_number % 2 == 0
            for target in reversed(targets) if flip else targets:
                run = run_wrk(target, lua, args, args.duration)
                processes.check()
                queries[target.label].append(run)
                print(
                    f"round {round_number} /query {target.label:<6} {run.rps:8.0f} req/s  p50 {run.p50_ms:6.2f} ms"
                    f"  p99 {run.p99_ms:6.2f} ms  CPU % server {run.cpu.server:3.0f} wrk {run.cpu.client:3.0f}"
                    f" others {run.cpu.others:3.0f}"
                    + (f"  socket errors {run.socket_errors}" if run.socket_errors else ""),
                    flush=True,
                )
            for tree in (after, before) if flip else (before, after):
                call = run_calls(tree, services["chargebee"], processes.running["chargebee"].pid, args.calls)
                processes.check()
                calls[tree.label].append(call)
                print(
                    f"round {round_number} call   {tree.label:<6} median {call.median_ms:6.3f} ms"
                    f"  p99 {call.p99_ms:6.3f} ms  {call.calls_per_s:6.0f} calls/s  CPU % service"
                    f" {call.cpu.server:3.0f} driver {call.cpu.client:3.0f} others {call.cpu.others:3.0f}"
                    + (f"  errors {call.errors} (sent again)" if call.errors else ""),
                    flush=True,
                )
        return report(args, targets, queries, calls, before, after)
    finally:
        processes.stop_all()


def report(
    args: argparse.Namespace,
    targets: list[Target],
    queries: dict[str, list[WrkRun]],
    calls: dict[str, list[CallRun]],
    before: Tree,
    after: Tree,
) -> str:
    """The tables, then the ratios, in Markdown (readable as plain text too)."""
    rounds = f"median of {args.rounds} interleaved rounds"
    lines = [
        f"before = {before.rev} ({before.short}), after = {after.rev} ({after.short}); {os.cpu_count()} cores",
        "",
        f"Cached POST /query, `wrk -t1 -c{args.connections} -d{args.duration:g}s --latency`, {rounds}; "
        "CPU in percent of one core during the run (others: the rest of the machine)",
        "",
        "| target | rev | req/s | p50 ms | p99 ms | server CPU % | wrk CPU % | others CPU % |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for target in targets:
        runs = queries[target.label]
        lines.append(
            f"| {target.label} | {target.revision} | {median_of(runs, 'rps'):.0f} | {median_of(runs, 'p50_ms'):.2f} "
            f"| {median_of(runs, 'p99_ms'):.2f} | {median_of(runs, 'cpu.server'):.0f} "
            f"| {median_of(runs, 'cpu.client'):.0f} | {median_of(runs, 'cpu.others'):.0f} |"
        )
    lines += [
        "",
        f"Service call round trip, HttpToolSource → chargebee POST /mcp/call (get_subscription), "
        f"{args.calls} calls, {rounds}",
        "",
        f"| rev | | source | median ms | p99 ms | calls/s ({CALL_CONCURRENCY} in flight) | others CPU % |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for tree in (before, after):
        trips = calls[tree.label]
        lines.append(
            f"| {tree.label} | {tree.short} | {trips[0].source} | {median_of(trips, 'median_ms'):.3f} "
            f"| {median_of(trips, 'p99_ms'):.3f} | {median_of(trips, 'calls_per_s'):.0f} "
            f"| {median_of(trips, 'cpu.others'):.0f} |"
        )
    bare, old, new = queries["bare"], queries[before.label], queries[after.label]
    shares = [run.cpu for runs in queries.values() for run in runs] + [c.cpu for cs in calls.values() for c in cs]
    busy = sum(share.others > OTHERS_NOTICEABLE for share in shares)
    if busy:
        lines += [
            "",
            f"Note: in {busy} of {len(shares)} measurements other processes used more than {OTHERS_NOTICEABLE:.0f}% "
            "of a core; the figures are noisier than on a quiet machine (see the per-round ranges).",
        ]
    lines += [
        "",
        "Ratios (of the medians; in brackets the range of the per-round ratios)",
        "",
        f"- cached /query throughput: before/bare {ratio(old, bare, 'rps')}, after/bare {ratio(new, bare, 'rps')}, "
        f"after/before {ratio(new, old, 'rps')}",
        f"- cached /query p99: before/bare {ratio(old, bare, 'p99_ms')}, after/bare {ratio(new, bare, 'p99_ms')}, "
        f"after/before {ratio(new, old, 'p99_ms')}",
        f"- service call round trip, after/before: median {ratio(calls[after.label], calls[before.label], 'median_ms')}"
        f", calls/s {ratio(calls[after.label], calls[before.label], 'calls_per_s')}",
    ]
    return "\n".join(lines) + "\n"


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="Revision before the change (any git revision).")
    parser.add_argument("--after", required=True, help="Revision after the change.")
    parser.add_argument("--rounds", type=int, default=3, help="Interleaved rounds (at least 3).")
    parser.add_argument("--duration", type=float, default=5.0, help="Seconds of each wrk run.")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections.")
    parser.add_argument("--calls", type=int, default=2000, help="Service calls per round and revision.")
    parser.add_argument("--worktrees", type=Path, default=REPO.parent / "ab", help="Where the worktrees live.")
    parser.add_argument("--markdown", type=Path, help="Also write the results as Markdown here.")
    args = parser.parse_args()
    if args.rounds < 3:
        parser.error("--rounds must be at least 3")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    signal.signal(signal.SIGTERM, _interrupt)  # a SIGTERM stops the servers like Ctrl-C does
    base = args.worktrees.resolve()
    try:
        with locked(base):
            before = prepare_tree("before", args.before, base)
            after = prepare_tree("after", args.after, base)
        log_dir = base / "logs"  # the servers' output of the latest run
        log_dir.mkdir(exist_ok=True)
        text = measure(args, before, after, log_dir)
    except KeyboardInterrupt:
        raise SystemExit("interrupted; every server started was stopped") from None
    print("\n" + text, end="")
    if args.markdown:
        args.markdown.write_text(text)


if __name__ == "__main__":
    main()
