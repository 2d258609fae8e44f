"""Benchmark: aiohttp, httpx and httpx2 on the service-call path (`POST /mcp/call`), in one run.

A real MCP service (`python -m chargebee_service`, demo backend) runs on loopback in its own process.
Each library then runs in its own client process (this script with `--client LIB`), on uvloop as the
services and the orchestrator run under uvicorn[standard], with one kept-alive pooled client:

  aiohttp  ClientSession + TCPConnector(limit=100, keepalive_timeout=30), as the orchestrator's
           HttpToolSource (mcp_common.client.ServiceClient runs aiohttp too)
  httpx    httpx.AsyncClient(timeout=5.0), default pool (100 connections, 20 kept alive); httpx2 alike

Every call serializes a real `CallRequest`, sends our trace headers and parses the `CallResponse`
(the same Pydantic work for every library); it is an error unless the status is 200 and it is `ok`.

Per client process: latency at concurrency 1 (median, p90) and client CPU time per call; then for
each `--concurrency` level calls/s, client CPU time per call (`time.process_time`), client and
service CPU use (the service's from /proc/<pid>/stat: near 100 % means the service was the limit)
and the TCP connections opened after a warm-up (a pool that keeps its connections opens none).
Libraries run interleaved, A B C A B C ..., for `--rounds` rounds; the tables give medians over
rounds and ratios to aiohttp. Only figures from one run compare: the machine's cores are shared.

Usage: uv run --frozen python bench/http_clients.py [--calls 1000] [--rounds 3] [--concurrency 8,50]
       [--libs aiohttp,httpx,httpx2] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import math
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import uvloop

from mcp_common.wire import CallContext, CallRequest, CallResponse
from mcp_devtools.testing import free_port

LIBS = ("aiohttp", "httpx", "httpx2")
BASELINE = "aiohttp"
SERVICE, MODULE, ENV_PREFIX, TOOL = "chargebee", "chargebee_service", "CHARGEBEE_", "get_subscription"
EMAIL = "ada@example.com"

# Figures of a phase under load: key suffix → column title.
LOADED = {"rps": "calls/s", "cpu_us": "client CPU µs/call", "client_pct": "client CPU %",
          "service_pct": "service CPU %", "opens": "conns opened"}  # fmt: skip
# One call: the URL, the request body and headers in; status and body out.
Send = Callable[[str, bytes, dict[str, str]], Awaitable[tuple[int, bytes]]]
# One table: title, header, rows.
Block = tuple[str, list[str], list[list[str]]]


@dataclass
class Phase:
    """What one client process measured in one phase."""

    concurrency: int
    calls: int
    errors: int
    wall_s: float
    client_cpu_s: float
    service_cpu_s: float
    connections: int
    median_us: float = 0.0
    p90_us: float = 0.0


@dataclass
class ClientRun:
    """One client process's report: its phases, first error (if any) and its event loop."""

    lib: str
    loop: str
    phases: list[Phase]
    first_error: str | None = None


# --- Client side: one library, one process. ---------------------------------------------------


@contextlib.asynccontextmanager
async def open_sender(lib: str) -> AsyncIterator[Send]:
    """One long-lived pooled client of `lib`, configured as described above."""
    if lib == "aiohttp":
        import aiohttp

        connector = aiohttp.TCPConnector(limit=100, keepalive_timeout=30)
        timeout = aiohttp.ClientTimeout(total=3.0, sock_connect=1.0)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

            async def send_aiohttp(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
                async with session.request("POST", url, data=body, headers=headers) as response:
                    return response.status, await response.read()

            yield send_aiohttp
        return
    module = importlib.import_module(lib)  # httpx or httpx2: one API under two names
    async with module.AsyncClient(timeout=5.0) as client:

        async def send_httpx(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
            response = await client.post(url, content=body, headers=headers)
            return response.status_code, response.content

        yield send_httpx


def process_cpu_s(pid: int) -> float:
    """User plus system CPU time of process `pid`, seconds (from /proc/<pid>/stat); NaN once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return math.nan
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CountingLoop(uvloop.Loop):
    """uvloop's event loop, counting the TCP connections the client opens (aiohttp and anyio, under
    httpx and httpx2, both connect through `loop.create_connection`); nothing changes per request."""

    connections_opened = 0

    async def create_connection(self, *args: Any, **kwargs: Any) -> Any:
        self.connections_opened += 1
        return await super().create_connection(*args, **kwargs)


def connections_opened() -> int:
    loop = asyncio.get_running_loop()
    return loop.connections_opened if isinstance(loop, CountingLoop) else -1


class Caller:
    """Sends `/mcp/call` requests for one caller and counts the failed ones."""

    def __init__(self, send: Send, url: str) -> None:
        self._send, self._url = send, f"{url}/mcp/call"
        self._context = CallContext(
            trace_id=secrets.token_hex(16), span_id=secrets.token_hex(8), session_id="bench", caller=EMAIL
        )
        traceparent = f"00-{self._context.trace_id}-{self._context.span_id}-01"
        self._headers = {"traceparent": traceparent, "x-session-id": "bench", "Content-Type": "application/json"}
        self.errors = 0
        self.first_error: str | None = None

    async def call(self) -> None:
        body = CallRequest(tool=TOOL, arguments={"email": EMAIL}, context=self._context).model_dump_json().encode()
        try:
            status, content = await self._send(self._url, body, self._headers)
            reply = CallResponse.model_validate_json(content)
            ok = status == 200 and reply.ok and reply.result is not None
            failure = None if ok else f"HTTP {status}: {content[:200]!r}"
        except Exception as exc:  # transport or parse failure: counted, never raised
            failure = f"{type(exc).__name__}: {exc}"
        if failure:
            self.errors += 1
            self.first_error = self.first_error or failure


async def run_phase(caller: Caller, calls: int, concurrency: int, service_pid: int) -> Phase:
    """`calls` calls with `concurrency` in flight (after a warm-up at the same concurrency)."""
    remaining = 0

    async def worker(latencies: list[float] | None) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            start = time.perf_counter_ns()
            await caller.call()
            if latencies is not None:
                latencies.append((time.perf_counter_ns() - start) / 1000)

    remaining = max(200, calls // 5)
    await asyncio.gather(*(worker(None) for _ in range(concurrency)))
    latencies: list[float] = []
    errors_before, remaining = caller.errors, calls
    service_before, opens_before = process_cpu_s(service_pid), connections_opened()
    cpu_before, start = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker(latencies if concurrency == 1 else None) for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_before
    opens, service = connections_opened() - opens_before, process_cpu_s(service_pid) - service_before
    phase = Phase(concurrency, calls, caller.errors - errors_before, wall, cpu, service, opens)
    if latencies:
        latencies.sort()
        phase.median_us, phase.p90_us = statistics.median(latencies), latencies[int(len(latencies) * 0.9)]
    return phase


async def client_main(args: argparse.Namespace) -> ClientRun:
    loop = asyncio.get_running_loop()
    async with open_sender(args.client) as send:
        caller = Caller(send, args.url)
        phases = [await run_phase(caller, args.calls, c, args.service_pid) for c in [1, *args.concurrency]]
    return ClientRun(args.client, f"{type(loop).__module__}.{type(loop).__name__}", phases, caller.first_error)


def run_client(args: argparse.Namespace) -> None:
    with asyncio.Runner(loop_factory=CountingLoop) as runner:
        report = runner.run(client_main(args))
    print(json.dumps(asdict(report)))


# --- Parent: the service, the interleaved client processes, the tables. -----------------------


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the service exited with code {process.returncode}")
        with contextlib.suppress(OSError, urllib.error.URLError), urllib.request.urlopen(url, timeout=1.0) as reply:
            if reply.status == 200:
                return
        time.sleep(0.05)
    raise TimeoutError(f"{url} not healthy after {timeout_s}s")


@contextlib.contextmanager
def running_service() -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """The service in its own process (demo backend, its own settings cleared): URL, process, stderr log."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-http-"))  # no `.env` to pick up
    port, log = free_port(), workdir / f"{SERVICE}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX) and k != "PORT"}
    env |= {f"{ENV_PREFIX}PORT": str(port), f"{ENV_PREFIX}LOG_LEVEL": "WARNING", f"{ENV_PREFIX}LOG_PAYLOADS": "false"}
    with log.open("ab") as stderr:
        process = subprocess.Popen([sys.executable, "-m", MODULE], cwd=workdir, env=env, stderr=stderr)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(f"{url}/health", process)
        yield url, process, log
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
        process.kill()  # a no-op once it has exited
        process.wait()


def client_process(lib: str, args: argparse.Namespace, url: str, service_pid: int) -> ClientRun:
    argv = [
        sys.executable, __file__, "--client", lib, "--url", url, "--service-pid", str(service_pid),
        "--calls", str(args.calls), "--concurrency", ",".join(map(str, args.concurrency)),
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"client {lib} failed ({done.returncode}):\n{done.stderr}")
    raw: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return ClientRun(phases=[Phase(**phase) for phase in raw.pop("phases")], **raw)


def metric_names(concurrency: Sequence[int]) -> list[tuple[str, str]]:
    """(key, column title) of each figure, in table order."""
    names = [("seq_median_us", "c=1 median µs"), ("seq_p90_us", "c=1 p90 µs"), ("seq_cpu_us", "c=1 client CPU µs/call")]
    return names + [(f"c{c}_{key}", f"c={c} {title}") for c in concurrency for key, title in LOADED.items()]


def figures_of(run: ClientRun) -> dict[str, float]:
    seq, *loaded = run.phases
    figures = {"seq_median_us": seq.median_us, "seq_p90_us": seq.p90_us}
    figures["seq_cpu_us"] = seq.client_cpu_s / seq.calls * 1e6
    for p in loaded:
        figures |= {
            f"c{p.concurrency}_rps": p.calls / p.wall_s,
            f"c{p.concurrency}_cpu_us": p.client_cpu_s / p.calls * 1e6,
            f"c{p.concurrency}_client_pct": p.client_cpu_s / p.wall_s * 100,
            f"c{p.concurrency}_service_pct": p.service_cpu_s / p.wall_s * 100,
            f"c{p.concurrency}_opens": float(p.connections),
        }
    return figures


def fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"


def tables(runs: dict[str, list[ClientRun]], concurrency: Sequence[int], rounds: int) -> list[Block]:
    """The medians over rounds of each library's figures, and their ratios to the baseline's."""
    names = metric_names(concurrency)
    medians: dict[str, dict[str, float]] = {}
    rows = []
    for lib, lib_runs in runs.items():
        per_round = [figures_of(run) for run in lib_runs]
        medians[lib] = {key: statistics.median(f[key] for f in per_round) for key, _ in names}
        errors = sum(phase.errors for run in lib_runs for phase in run.phases)
        calls = sum(phase.calls for run in lib_runs for phase in run.phases)
        rows.append([lib, *(fmt(medians[lib][key]) for key, _ in names), f"{errors}/{calls}"])
    blocks = [(f"Medians over {rounds} rounds", ["library", *(title for _, title in names), "errors"], rows)]
    if BASELINE in medians:
        ratio_names = [(key, title) for key, title in names if "_pct" not in key and "_opens" not in key]
        ratios = [
            [lib, *(f"{figures[key] / medians[BASELINE][key]:.2f}×" for key, _ in ratio_names)]
            for lib, figures in medians.items()
        ]
        note = "(latency and CPU: below 1 is cheaper; calls/s: above 1 is faster)"
        blocks.append((f"Ratio to {BASELINE} {note}", ["library", *(title for _, title in ratio_names)], ratios))
    return blocks


def render(blocks: list[Block], *, markdown: bool) -> str:
    """The tables as aligned plain text, or as Markdown tables (numbers right-aligned in both)."""
    out = []
    for title, header, body in blocks:
        if markdown:
            rule = ["---"] + ["---:"] * (len(header) - 1)
            out += [f"**{title}**", "", *("| " + " | ".join(line) + " |" for line in [header, rule, *body]), ""]
            continue
        widths = [max(len(cell) for cell in column) for column in zip(header, *body, strict=True)]
        out.append(title)
        for line in [header, *body]:
            cells = [c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(line, widths, strict=True))]
            out.append("  ".join(cells))
        out.append("")
    return "\n".join(out)


def report_run(label: str, run: ClientRun, concurrency: Sequence[int]) -> None:
    """One line per client process, as it finishes."""
    figures = figures_of(run)
    cells = "  ".join(f"{title} {fmt(figures[key])}" for key, title in metric_names(concurrency))
    print(f"{label:<16} {cells}  errors {sum(p.errors for p in run.phases)}", flush=True)
    if run.first_error:
        print(f"    first error: {run.first_error}", flush=True)


def run_parent(args: argparse.Namespace) -> int:
    versions = {name: version(name) for name in ("aiohttp", "httpx", "httpx2", "uvloop")}
    preamble = (
        f"POST /mcp/call to {SERVICE}.{TOOL} (demo backend) on loopback; "
        f"{args.calls} calls per phase, {args.rounds} rounds, libraries interleaved; one client process per "
        f"library and round, on uvloop. {', '.join(f'{k} {v}' for k, v in versions.items())}; "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs."
    )
    print(preamble, flush=True)
    runs: dict[str, list[ClientRun]] = {lib: [] for lib in args.libs}
    with running_service() as (url, service, log):
        for round_ in range(1, args.rounds + 1):
            for lib in args.libs:
                run = client_process(lib, args, url, service.pid)
                report_run(f"round {round_} {lib}", run, args.concurrency)
                if service.poll() is not None:  # its figures would be a dead service's: stop here
                    tail = log.read_text(errors="replace").strip().splitlines()[-5:]
                    raise RuntimeError(f"the service exited ({service.returncode}) during round {round_} {lib}: {tail}")
                runs[lib].append(run)
    print(f"client event loop: {', '.join(sorted({run.loop for lib_runs in runs.values() for run in lib_runs}))}")
    blocks = tables(runs, args.concurrency, args.rounds)
    print()
    print(render(blocks, markdown=False))
    failed = sorted(lib for lib, lib_runs in runs.items() if any(p.errors for run in lib_runs for p in run.phases))
    for lib in failed:
        print(f"WARNING: {lib} had failed calls; its figures include them.")
    if args.markdown:
        Path(args.markdown).write_text(preamble + "\n\n" + render(blocks, markdown=True))
    return 1 if failed else 0


def int_list(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=1000, help="measured calls per phase (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds A B C A B C ... (default 3)")
    parser.add_argument("--concurrency", type=int_list, default=[8, 50], help="in-flight levels (default 8,50)")
    parser.add_argument(
        "--libs", type=lambda text: text.split(","), default=list(LIBS), help=f"any of {', '.join(LIBS)}"
    )
    parser.add_argument("--markdown", help="also write the tables to this Markdown file")
    parser.add_argument("--client", choices=LIBS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--service-pid", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if unknown := set(args.libs) - set(LIBS):
        parser.error(f"unknown libraries {sorted(unknown)}; choose from {', '.join(LIBS)}")
    if args.client:
        run_client(args)
        return 0
    return run_parent(args)


if __name__ == "__main__":
    sys.exit(main())
