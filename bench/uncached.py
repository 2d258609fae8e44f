"""Benchmark: uncached `POST /query` over two services against the same two calls made directly.

- (A) the orchestrator's `/query`, answer cache and tool-result cache off (`ORCH_ANSWER_TTL_S=0`,
  `ORCH_TOOL_CACHE=false`): a question the rule planner answers with `chargebee.get_subscription` and
  `hubspot.list_tickets`, asked for 60 different (user, wording) pairs in turn so that no two requests
  in flight are the same question of the same user. `wrk -t1 --latency`, a Lua script, at 1 and 50
  connections.
- (B) the baseline: the same two calls made directly, `POST /mcp/call` on each service, by two `wrk`
  processes side by side (one per service, each with as many connections as (A)); pairs/s is the
  smaller of the two rates (a pair is one call to each).
- Orchestrator overhead: end-to-end latency minus the slowest source's own handling time (`service_ms`,
  which each service measures and the orchestrator reports per source), from a client sampling
  requests one at a time: alone (1 client) and beside the 50-connection run of (A). Then once more
  beside 50 connections that each pause 50-150 ms between questions (50 users reading their answers:
  the server below its capacity), which separates the orchestrator's own time from the queue that a
  closed loop of 50 builds at saturation.
- Fan-out: a second orchestrator on three services (`bench/slow_service.py`) that each take 50 ms;
  end-to-end p50 against the slowest source's `service_ms` p50 (the delay where none is reported).

Rounds interleave A and B, the order flipped every other round; medians are reported. CPU is read
from /proc: the servers', the load generators' (wrk and this process) and the rest of the machine's.
`--tree` runs the servers of another checkout (its own `.venv`), e.g. a worktree of an older commit.

Usage: uv run --frozen python bench/uncached.py [--rounds 3] [--duration 5] [--tree PATH] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import http.client
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ab_trees import BENCH, REPO, Processes, cpu_seconds, free_port, machine_busy_seconds, outer_env, parse_wrk
from goals import GoalRow, at_least, at_most, below, table

from mcp_common.demo_people import PEOPLE

WORDINGS = (
    "what plan am I on and do I have open tickets?",
    "what plan am I on? any open tickets?",
    "which plan am I on and do I have any open tickets?",
    "what's my plan and do I have open tickets?",
    "my subscription plan, and my open tickets",
    "what plan am I on; do I have open support tickets?",
)
EMAILS = tuple(person.email for person in PEOPLE[:10])
FAN_OUT = ("alpha", "beta", "gamma")
FAN_OUT_QUESTION = "alpha status, beta status, gamma status"
DELAY_MS = 50.0
PAUSE_MS = 100  # mean pause of each paced connection between questions (0.5-1.5 × this)


@dataclass(frozen=True)
class Stack:
    query_url: str
    fan_out_url: str
    services: dict[str, str]  # name → base URL
    pids: dict[str, int]


def start(processes: Processes, tree: Path, workers: int = 1) -> Stack:
    python = str(tree / ".venv" / "bin" / "python") if tree != REPO else sys.executable
    env, pids, services = outer_env(), {}, {}
    for name, module, prefix in (
        ("chargebee", "chargebee_service", "CHARGEBEE_"),
        ("hubspot", "hubspot_service", "HUBSPOT_"),
    ):
        port = free_port()
        own = {"PORT": str(port), f"{prefix}LOG_LEVEL": "WARNING", f"{prefix}LOG_PAYLOADS": "false"}
        services[name] = f"http://127.0.0.1:{port}"
        pids[name] = processes.start(name, [python, "-m", module], env | own, tree, f"{services[name]}/health")
    slow = {}
    for name in FAN_OUT:
        port = free_port()
        slow[name] = f"http://127.0.0.1:{port}"
        argv = [python, str(BENCH / "slow_service.py"), name, str(port), "--delay-ms", str(DELAY_MS)]
        processes.start(name, argv, env, tree, f"{slow[name]}/health")
    common = {"ORCH_STATE_BACKEND": "memory", "ORCH_CONVERSATIONS": "none", "ORCH_MCP_SERVERS": "{}",
              "ORCH_LOG_LEVEL": "WARNING", "ORCH_LOG_PAYLOADS": "false", "ORCH_ANSWER_TTL_S": "0",
              "ORCH_TOOL_CACHE": "false", "ORCH_WORKERS": str(workers)}  # fmt: skip
    if workers > 1:  # several processes need a state backend they share
        common |= {"ORCH_STATE_BACKEND": "sqlite", "ORCH_STATE_PATH": str(processes.log_dir / "state.sqlite3")}
    urls = []
    for label, backends in (("orchestrator", services), ("orchestrator-fan-out", slow)):
        port = free_port()
        own = common | {"PORT": str(port), "ORCH_SERVICES": json.dumps(backends)}
        pids[label] = processes.start(label, [python, "-m", "orchestrator"], env | own, tree,
                                      f"http://127.0.0.1:{port}/health")  # fmt: skip
        urls.append(f"http://127.0.0.1:{port}/query")
    return Stack(urls[0], urls[1], services, pids)


def rotating_lua(path: Path, bodies: Sequence[Mapping[str, Any]], url_path: str, *, pause_ms: int = 0) -> Path:
    """A wrk script POSTing `bodies` in turn, one per request; with `pause_ms`, each connection waits a random
    0.5-1.5 × `pause_ms` before each request (a user reading the answer before asking again)."""
    listed = ",\n".join(json.dumps(json.dumps(body)) for body in bodies)
    pause = f"delay = function()\n  return math.random({pause_ms // 2}, {pause_ms * 3 // 2})\nend\n" if pause_ms else ""
    path.write_text(
        f"local bodies = {{\n{listed}\n}}\nlocal i = 0\n"
        "request = function()\n  i = i + 1\n"
        f'  local headers = {{["Content-Type"] = "application/json"}}\n'
        f'  return wrk.format("POST", "{url_path}", headers, bodies[(i % #bodies) + 1])\n'
        "end\n" + pause
    )
    return path


def questions() -> list[dict[str, str]]:
    return [{"query": wording, "email": email} for email in EMAILS for wording in WORDINGS]


def direct_calls(service: str) -> list[dict[str, Any]]:
    tool, extra = ("get_subscription", {}) if service == "chargebee" else ("list_tickets", {"status": "open"})
    return [{"tool": tool, "arguments": {"email": e} | extra, "context": {"caller": e}} for e in EMAILS]


class Cpu:
    """CPU in percent of one core over a measurement: `servers`, the load generators (wrk children and
    this process, which samples) and the rest of the machine."""

    def __init__(self, pids: Sequence[int]) -> None:
        self.pids, self.started = list(pids), time.monotonic()
        self.marks = self._now()

    def _now(self) -> tuple[float, float, float]:
        children, me = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
        generator = children.ru_utime + children.ru_stime + me.ru_utime + me.ru_stime
        return sum(cpu_seconds(pid) for pid in self.pids), generator, machine_busy_seconds()

    def shares(self) -> dict[str, float]:
        wall = time.monotonic() - self.started
        servers, generator, machine = (b - a for a, b in zip(self.marks, self._now(), strict=True))
        others = max(0.0, machine - servers - generator)
        return {
            "servers_cpu": 100 * servers / wall,
            "generator_cpu": 100 * generator / wall,
            "others_cpu": 100 * others / wall,
        }


def wrk(url: str, lua: Path, connections: int, duration_s: float) -> subprocess.Popen[str]:
    argv = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration_s:g}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(lua),
        url,
    ]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(run: subprocess.Popen[str]) -> tuple[float, float, float]:
    out, err = run.communicate()
    if run.returncode != 0:
        raise SystemExit(f"wrk failed ({run.returncode}): {err}")
    rps, p50, p99, errors = parse_wrk(out)
    if errors:
        raise SystemExit(f"wrk reported {errors} socket errors:\n{out}")
    return rps, p50, p99


def ask(conn: http.client.HTTPConnection, body: Mapping[str, Any]) -> tuple[float, dict[str, Any]]:
    """One `/query` on a kept-alive connection: (end-to-end ms, reply)."""
    started = time.perf_counter()
    conn.request("POST", "/query", json.dumps(body), {"Content-Type": "application/json"})
    reply: dict[str, Any] = json.loads(conn.getresponse().read())
    return (time.perf_counter() - started) * 1000, reply


def sample(url: str, bodies: Sequence[Mapping[str, Any]], *, until: subprocess.Popen[str] | None = None,
           count: int = 200, expected: int = 2) -> list[tuple[float, float | None]]:  # fmt: skip
    """(end-to-end ms, slowest source's service_ms or None) per request, one at a time: `count` requests, or
    as many as fit while `until` runs."""
    host = url.split("//", 1)[1].split("/", 1)[0]
    conn = http.client.HTTPConnection(host, timeout=30)
    samples: list[tuple[float, float | None]] = []
    while (until.poll() is None) if until is not None else len(samples) < count:
        ms, reply = ask(conn, bodies[len(samples) % len(bodies)])
        sources = reply.get("sources", [])
        if reply.get("cached") or len(sources) != expected or any(s["status"] != "ok" for s in sources):
            raise SystemExit(f"{url}: not an uncached answer from {expected} sources: {reply}")
        service = [s.get("service_ms") for s in sources]
        samples.append((ms, max(service) if all(v is not None for v in service) else None))
    conn.close()
    return samples[3:] if until is not None else samples  # requests made before wrk's connections were up


def overhead_p50(samples: Sequence[tuple[float, float | None]]) -> float | None:
    if not samples or any(service is None for _, service in samples):
        return None
    return statistics.median(ms - (service or 0.0) for ms, service in samples)


def round_of_a(stack: Stack, lua: Path, paced: Path, duration: float) -> dict[str, float]:
    pids = [stack.pids[n] for n in ("orchestrator", "chargebee", "hubspot")]
    figures: dict[str, float] = {}
    rps, p50, _ = finish(wrk(stack.query_url, lua, 1, duration))
    figures |= {"c1_rps": rps, "c1_p50": p50}
    figures["c1_overhead"] = overhead_p50(sample(stack.query_url, questions(), count=200)) or -1.0
    cpu, own = Cpu(pids), Cpu(pids[:1])
    load = wrk(stack.query_url, lua, 50, duration)
    beside = sample(stack.query_url, questions()[::-1], until=load)
    rps, p50, p99 = finish(load)
    shares, orchestrator = cpu.shares(), own.shares()["servers_cpu"]
    figures |= {"c50_rps": rps, "c50_p50": p50, "c50_p99": p99, **shares}
    # CPU per request hardly depends on what else the machine runs; req/s does.
    figures |= {
        "orchestrator_cpu_ms": 10 * orchestrator / rps,
        "services_cpu_ms": 10 * (shares["servers_cpu"] - orchestrator) / rps,
    }
    figures["c50_overhead"] = overhead_p50(beside) or -1.0
    # The same 50 connections, each pausing between questions as a reader does: 50 users active, the
    # server below its capacity, so what is left is the orchestrator's own time, not the queue.
    load = wrk(stack.query_url, paced, 50, duration)
    beside = sample(stack.query_url, questions(), until=load)
    rps, p50, _ = finish(load)
    figures |= {"paced_rps": rps, "paced_p50": p50, "paced_overhead": overhead_p50(beside) or -1.0}
    return figures


def round_of_b(stack: Stack, luas: Mapping[str, Path], duration: float) -> dict[str, float]:
    pids = [stack.pids[n] for n in ("chargebee", "hubspot")]
    figures: dict[str, float] = {}
    for connections in (1, 50):
        cpu = Cpu(pids)
        runs = [wrk(stack.services[name] + "/mcp/call", luas[name], connections, duration) for name in luas]
        results = [finish(run) for run in runs]
        figures[f"c{connections}_pairs"] = min(rps for rps, _, _ in results)
        figures[f"c{connections}_p50"] = max(p50 for _, p50, _ in results)
        if connections == 50:
            figures |= cpu.shares()
            figures["services_cpu_ms"] = 10 * figures["servers_cpu"] / (sum(rps for rps, _, _ in results) / 2)
    return figures


def fan_out(stack: Stack) -> tuple[float, float]:
    """End-to-end p50 and the slowest source's service_ms p50 (the delay when not reported), ms."""
    bodies = [{"query": FAN_OUT_QUESTION, "email": e} for e in EMAILS]
    samples = sample(stack.fan_out_url, bodies, count=60, expected=len(FAN_OUT))
    slowest = [service if service is not None else DELAY_MS for _, service in samples]
    return statistics.median(ms for ms, _ in samples), statistics.median(slowest)


@dataclass
class Results:
    a: list[dict[str, float]]
    b: list[dict[str, float]]
    fan_out: tuple[float, float]

    def median(self, side: str, key: str) -> float:
        return statistics.median(r[key] for r in (self.a if side == "a" else self.b))


def measure(args: argparse.Namespace) -> Results:
    tree = Path(args.tree).resolve() if args.tree else REPO
    with tempfile.TemporaryDirectory(prefix="bench-uncached-") as tmp:
        work = Path(tmp)
        processes = Processes(work)
        try:
            stack = start(processes, tree, args.workers)
            lua = rotating_lua(work / "query.lua", questions(), "/query")
            paced = rotating_lua(work / "paced.lua", questions(), "/query", pause_ms=PAUSE_MS)
            luas = {name: rotating_lua(work / f"{name}.lua", direct_calls(name), "/mcp/call")
                    for name in ("chargebee", "hubspot")}  # fmt: skip
            sample(stack.query_url, questions(), count=len(questions()))  # warm-up, and checks the answers
            finish(wrk(stack.query_url, lua, 50, 1))
            results = Results([], [], fan_out(stack))
            for number in range(1, args.rounds + 1):
                for side in "ab" if number % 2 else "ba":
                    if side == "a":
                        results.a.append(round_of_a(stack, lua, paced, args.duration))
                    else:
                        results.b.append(round_of_b(stack, luas, args.duration))
                    processes.check()
                    latest = results.a[-1] if side == "a" else results.b[-1]
                    print(
                        f"round {number} {side.upper()}: " + ", ".join(f"{k} {v:.1f}" for k, v in latest.items()),
                        flush=True,
                    )
            results.fan_out = fan_out(stack)
            return results
        finally:
            processes.stop_all()


def rows_for(results: Results) -> list[GoalRow]:
    rows = [at_least("uncached /query, 50 clients, vs the two direct calls", results.median("a", "c50_rps"),
                     results.median("b", "c50_pairs"), 0.5, "req/s")]  # fmt: skip
    for clients, limit in ((1, 3.0), (50, 10.0)):
        overhead = results.median("a", f"c{clients}_overhead")
        if overhead >= 0:
            rows.append(below(f"orchestrator overhead p50, {clients} client(s)", overhead, limit, "ms"))
    fan, slowest = results.fan_out
    rows.append(at_most("fan-out of three 50 ms services vs the slowest", fan, slowest, 1.2, "ms"))
    return rows


def report(results: Results) -> str:
    lines = ["| measurement | A: /query | B: direct pairs |", "|---|---:|---:|"]
    rows = (
        ("req/s (pairs/s), 1 client", "c1_rps", "c1_pairs"),
        ("p50 ms, 1 client", "c1_p50", "c1_p50"),
        ("req/s (pairs/s), 50 clients", "c50_rps", "c50_pairs"),
        ("p50 ms, 50 clients", "c50_p50", "c50_p50"),
        ("servers CPU %, 50 clients", "servers_cpu", "servers_cpu"),
        ("generator CPU %, 50 clients", "generator_cpu", "generator_cpu"),
        ("others CPU %, 50 clients", "others_cpu", "others_cpu"),
        ("services' CPU ms per query (per pair), 50 clients", "services_cpu_ms", "services_cpu_ms"),
        ("orchestrator CPU ms per query, 50 clients", "orchestrator_cpu_ms", ""),
    )
    for label, a_key, b_key in rows:
        b = f"{results.median('b', b_key):,.2f}" if b_key else ""
        lines.append(f"| {label} | {results.median('a', a_key):,.2f} | {b} |")
    for clients in (1, 50):
        value = results.median("a", f"c{clients}_overhead")
        lines.append(f"| overhead p50 ms, {clients} client(s) | {value:.2f} | |" if value >= 0 else
                     f"| overhead p50 ms, {clients} client(s) | n/a (no service_ms reported) | |")  # fmt: skip
    paced = f"50 clients pausing {PAUSE_MS // 2}-{PAUSE_MS * 3 // 2} ms between questions"
    lines.append(f"| req/s, {paced} | {results.median('a', 'paced_rps'):,.2f} | |")
    lines.append(f"| p50 ms, {paced} | {results.median('a', 'paced_p50'):,.2f} | |")
    value = results.median("a", "paced_overhead")
    lines.append(f"| overhead p50 ms, {paced} | {value:.2f} | |" if value >= 0 else
                 f"| overhead p50 ms, {paced} | n/a (no service_ms reported) | |")  # fmt: skip
    lines.append(f"| fan-out p50 ms (slowest source p50) | {results.fan_out[0]:.1f} ({results.fan_out[1]:.1f}) | |")
    return "\n".join(lines)


def goal_rows(args: argparse.Namespace) -> list[GoalRow]:
    """Measure (`args.rounds` rounds of `args.duration` s), print the report, hold the medians to the goals."""
    results = measure(args)
    print(report(results), flush=True)
    return rows_for(results)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of A and B, interleaved")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per wrk run")
    parser.add_argument("--tree", help="run the servers of this checkout (with its own .venv)")
    parser.add_argument("--workers", type=int, default=1, help="orchestrator processes (>1: SQLite state)")
    parser.add_argument("--markdown", type=Path, help="also write the tables to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    results = measure(args)
    rendered = report(results) + "\n\n" + table(rows_for(results))
    print(f"\nmedians of {args.rounds} rounds\n\n" + rendered)
    if args.markdown:
        args.markdown.write_text(rendered + "\n")


if __name__ == "__main__":
    main()
