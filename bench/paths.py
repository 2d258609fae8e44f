"""Benchmark: the latency of each request path against baselines measured in the same run.

(a) a bare FastAPI POST endpoint with a Pydantic body          (baseline for b)
(b) POST /query answered from the answer cache
(c) the orchestrator's /mcp/call round trip (its HttpToolSource) to a service
(d) the official `mcp.Client` tools/call round trip to the same service's /mcp
(e) one POST /orchestrate turn ("show me vegetarian mains under 15": session load and save,
    intent and slots, two tool calls answered from the tool cache, reply template)
(f) POST /query, no answer cache, rules planner + templates, tool result cached  (baseline for g)
(g) POST /query, no answer cache, a model plans (plan cache hit) and writes the answer (one call
    to an instant loopback OpenAI-compatible model, `bench/model_stub.py`), tool result cached
(i) a third-party MCP server's tool (server-everything `echo`, npm, in tools/mcp-node) over stdio and
    over Streamable HTTP: `mcp.Client` directly (baseline), and `mcp.Client` through the
    orchestrator's /mcp (catalog tool `stdio.echo` / `http.echo`: caller binding, schema checks,
    executor, the orchestrator's long-lived client to the server)
(h) POST /query answered from the shared layer (L1) of each state backend, the in-process layer
    (L2) switched off: memory, sqlite, a real redis-server, the Firestore emulator (in-memory
    Node.js server on loopback, not Google's service: its figure is the client's overhead plus
    the emulator's, not Firestore's latency)

Latency only: the median (and p90) of sequential requests on one keep-alive connection, so the
client's own time is in both sides of each ratio. Throughput is measured with `wrk`, the server as the
limit, by `bench/cached.py` and `bench/uncached.py`. Ratios compare medians from this run only.
Usage: uv run --frozen python bench/paths.py [--requests 2000] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import httpx
import httpx2
from goals import GoalRow, at_most, table
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from pydantic import SecretStr

from mcp_common.assertions import AssertionSigner, caller_signer
from mcp_common.wire import CallContext
from mcp_devtools import emulators
from mcp_devtools.stack import DEFAULT_SERVICES, Stack, run_stack
from mcp_devtools.testing import free_port, free_ports, wait_healthy
from orchestrator.tools.http import HttpToolSource

QUESTION = {"query": "what plan am I on?", "email": "ada@example.com"}
TURN = {"channel": "bench", "message": "show me vegetarian mains under 15", "user": {"email": "ada@example.com"}}
BACKENDS = ("memory", "sqlite", "redis", "firestore")
SERVICES = tuple(s for s in DEFAULT_SERVICES if s.name in ("chargebee", "hubspot", "menu", "customer_profile"))


BLOCK = 50  # calls of one kind in a row in `measure_interleaved`


@dataclass
class Figure:
    name: str
    median_ms: float
    p90_ms: float


async def measure(name: str, call: Callable[[], Awaitable[object]], requests: int, concurrency: int = 1) -> Figure:
    """Median and p90 of `requests` sequential calls, after a warm-up (`concurrency` is unused: sequential)."""
    for _ in range(min(200, requests // 5)):
        await call()
    latencies = []
    for _ in range(requests):
        start = time.perf_counter()
        await call()
        latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    figure = Figure(name, statistics.median(latencies), latencies[int(len(latencies) * 0.9)])
    print(f"{name:<48} median {figure.median_ms:7.3f} ms  p90 {figure.p90_ms:7.3f} ms", flush=True)
    return figure


async def measure_interleaved(
    calls: dict[str, tuple[str, Callable[[], Awaitable[object]]]], requests: int
) -> dict[str, Figure]:
    """Like `measure` for several calls at once, in turns of `BLOCK` calls of each (after a warm-up of each).

    Turns, not single calls: the MCP SDK's server finishes work after its reply (a stateless request's
    transport is torn down), which would land on the next call of another kind."""
    for _ in range(min(200, requests // 5)):
        for _name, call in calls.values():
            await call()
    latencies: dict[str, list[float]] = {key: [] for key in calls}
    for _ in range(max(1, requests // BLOCK)):
        for key, (_name, call) in calls.items():
            for _ in range(BLOCK):
                start = time.perf_counter()
                await call()
                latencies[key].append((time.perf_counter() - start) * 1000)
    figures = {}
    for key, (name, _call) in calls.items():
        ordered = sorted(latencies[key])
        figures[key] = Figure(name, statistics.median(ordered), ordered[int(len(ordered) * 0.9)])
        print(f"{name:<48} median {figures[key].median_ms:7.3f} ms  p90 {figures[key].p90_ms:7.3f} ms", flush=True)
    return figures


async def run(requests: int, concurrency: int) -> dict[str, Figure]:
    figures: dict[str, Figure] = {}
    bare_port = free_port()
    bare = subprocess.Popen([sys.executable, str(Path(__file__).with_name("bare_app.py")), str(bare_port)])  # noqa: ASYNC220 - started before any load
    ports = free_ports(s.name for s in SERVICES)
    env = {"ORCH_STATE_BACKEND": "memory", "ORCH_LOG_LEVEL": "WARNING", "ORCH_ANSWER_TTL_S": "3600",
           "ORCH_L2_MAX_TTL_S": "3600"}  # fmt: skip
    for service in SERVICES:
        env |= {f"{service.env_prefix}LOG_LEVEL": "WARNING", f"{service.env_prefix}LOG_PAYLOADS": "false"}
    stub_port = free_port()
    stub = subprocess.Popen([sys.executable, str(Path(__file__).with_name("model_stub.py")), str(stub_port)])  # noqa: ASYNC220 - started before any load
    data = Path(tempfile.mkdtemp(prefix="bench-"))
    env |= {f"{s.env_prefix}DATABASE_URL": f"sqlite+aiosqlite:///{data / s.name}.db" for s in SERVICES}
    try:
        wait_healthy(f"http://127.0.0.1:{bare_port}/docs")
        with run_stack(services=SERVICES, ports=ports, orchestrator_port=free_port(), env=env) as stack:
            limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
            async with httpx.AsyncClient(limits=limits) as client:
                bare_url = f"http://127.0.0.1:{bare_port}/echo"
                query_url = f"{stack.urls['orchestrator']}/query"
                warm = (await client.post(query_url, json=QUESTION)).json()
                assert "answer" in warm, warm

                async def bare_call() -> None:
                    (await client.post(bare_url, json=QUESTION)).raise_for_status()

                async def cached_query() -> None:
                    response = await client.post(query_url, json=QUESTION)
                    assert response.json()["cached"] is True

                figures["a"] = await measure("(a) bare FastAPI POST + Pydantic body", bare_call, requests, concurrency)
                figures["b"] = await measure("(b) POST /query, answer-cache hit", cached_query, requests, concurrency)

                turn_url = f"{stack.urls['orchestrator']}/orchestrate"
                session_id = (await client.post(turn_url, json=TURN)).json()["session_id"]

                async def turn() -> None:
                    reply = (await client.post(turn_url, json=TURN | {"session_id": session_id})).json()
                    assert reply["intent"] == "browse_menu" and all(s["cached"] for s in reply["trace"]["spans"])

                label = "(e) POST /orchestrate turn, tools cached"
                figures["e"] = await measure(label, turn, max(200, requests // 4), concurrency)

                wait_healthy(f"http://127.0.0.1:{stub_port}/health")
                model_env = {"ORCH_LLM": "openai:bench", "ORCH_OPENAI_BASE_URL": f"http://127.0.0.1:{stub_port}/v1"}
                for key, label, extra in (
                    ("f", "(f) POST /query uncached, rules + templates", {}),
                    ("g", "(g) POST /query uncached, model plan + answer", model_env),
                ):
                    url = stack.start_orchestrator(
                        f"orchestrator-{key}", free_port(), env | extra | {"ORCH_ANSWER_TTL_S": "0"}
                    )

                    async def uncached(url: str = url, key: str = key) -> None:
                        body = (await client.post(f"{url}/query", json=QUESTION)).json()
                        assert not body["cached"] and body["trace"]["planner"] == ("llm" if key == "g" else "rules")

                    figures[key] = await measure(label, uncached, max(200, requests // 4), concurrency)

                with emulators.redis_server() as redis, emulators.firestore_emulator() as firestore:
                    for backend in BACKENDS:
                        shared_env = {
                            "ORCH_STATE_BACKEND": backend,
                            "ORCH_L2_MAX_TTL_S": "0",
                            "ORCH_STATE_PATH": str(data / "h" / "state.sqlite3"),
                            "ORCH_REDIS_URL": redis.url,
                            "FIRESTORE_EMULATOR_HOST": firestore.host,
                            "ORCH_FIRESTORE_PROJECT": "bench",
                        }
                        url = stack.start_orchestrator(f"orchestrator-h-{backend}", free_port(), env | shared_env)
                        assert "answer" in (await client.post(f"{url}/query", json=QUESTION)).json()

                        async def shared_hit(url: str = url) -> None:
                            body = (await client.post(f"{url}/query", json=QUESTION)).json()
                            assert body["cached"] is True and body["cache_layer"] == "shared", body

                        label = f"(h) POST /query, shared-layer hit, {backend}"
                        figures[f"h_{backend}"] = await measure(label, shared_hit, max(200, requests // 4), concurrency)

                connector = aiohttp.TCPConnector(limit=concurrency, keepalive_timeout=30)
                signer = stack_signer(stack)
                bearer = {"Authorization": f"Bearer {signer.sign('chargebee', QUESTION['email'], 'default')}"}
                async with (
                    aiohttp.ClientSession(connector=connector) as session,
                    httpx2.AsyncClient(headers=bearer, timeout=30) as http,
                    Client(streamable_http_client(f"{stack.urls['chargebee']}/mcp", http_client=http)) as mcp,
                    httpx2.AsyncClient(headers=bearer, timeout=30) as legacy_http,
                    Client(
                        streamable_http_client(f"{stack.urls['chargebee']}/mcp", http_client=legacy_http),
                        mode="legacy",
                    ) as legacy,
                ):
                    source = HttpToolSource("chargebee", stack.urls["chargebee"], session, assertions=signer)
                    context = CallContext(caller=QUESTION["email"])

                    async def mcp_call() -> None:
                        await source.call("get_subscription", {"email": QUESTION["email"]}, context)

                    def sdk_call(client: Client) -> Callable[[], Awaitable[None]]:
                        async def call() -> None:
                            result = await client.call_tool("get_subscription", {"email": QUESTION["email"]})
                            assert not result.is_error

                        return call

                    # In turns, so the machine's load weighs on the three alike.
                    calls: dict[str, tuple[str, Callable[[], Awaitable[object]]]] = {
                        "c": ("(c) orchestrator /mcp/call round trip", mcp_call),
                        "d": (f"(d) mcp.Client tools/call ({mcp.protocol_version})", sdk_call(mcp)),
                        "d_legacy": (f"(d) mcp.Client tools/call ({legacy.protocol_version})", sdk_call(legacy)),
                    }
                    figures |= await measure_interleaved(calls, requests)
            figures |= await third_party(stack, env, max(200, requests // 4), concurrency)
    finally:
        for process in (bare, stub):
            process.terminate()
            process.wait(10)
        shutil.rmtree(data, ignore_errors=True)
    return figures


def stack_signer(stack: Stack) -> AssertionSigner:
    """Signs as the orchestrator does, with the stack's caller key (made for this run)."""
    keys = {kid: SecretStr(secret) for kid, secret in json.loads(stack.caller_keys["ORCH_CALLER_KEYS"]).items()}
    signer = caller_signer(keys, stack.caller_keys["ORCH_CALLER_KEY_ID"], issuer="orchestrator")
    assert signer is not None
    return signer


async def third_party(stack: Stack, env: dict[str, str], requests: int, concurrency: int) -> dict[str, Figure]:
    """(i) server-everything's `echo` over stdio and Streamable HTTP: direct, and through the orchestrator's /mcp."""
    tools = emulators.find_mcp_node_tools()
    figures: dict[str, Figure] = {}
    port = free_port()
    server = subprocess.Popen(  # noqa: ASYNC220 - started before any load
        [str(tools.node), str(tools.everything), "streamableHttp"],
        env={"PATH": "/usr/bin:/bin", "PORT": str(port)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    stdio = {"transport": "stdio", "command": str(tools.node), "args": [str(tools.everything), "stdio"]}
    http = {"transport": "http", "url": f"http://127.0.0.1:{port}/mcp"}
    try:
        servers = {"stdio": stdio, "http": http}
        orchestrator_env = env | {"ORCH_SERVICES": "{}", "ORCH_MCP_SERVERS": json.dumps(servers)}
        url = stack.start_orchestrator("orchestrator-i", free_port(), orchestrator_env)
        for transport in servers:
            target = (
                StdioServerParameters(command=stdio["command"], args=stdio["args"])
                if transport == "stdio"
                else http["url"]
            )
            async with Client(target) as direct:

                async def direct_call(client: Client = direct) -> None:
                    assert not (await client.call_tool("echo", {"message": "bench"})).is_error

                label = f"(i) mcp.Client tools/call, {transport} server direct ({direct.protocol_version})"
                figures[f"i_{transport}_direct"] = await measure(label, direct_call, requests, concurrency)
            headers = {"X-User-Email": QUESTION["email"]}
            transport_http = streamable_http_client(f"{url}/mcp", http_client=httpx2.AsyncClient(headers=headers))
            async with Client(transport_http) as through:

                async def orchestrated(client: Client = through, name: str = f"{transport}.echo") -> None:
                    result = await client.call_tool(name, {"message": "bench"})
                    assert not result.is_error, result

                label = f"(i) mcp.Client tools/call via the orchestrator's /mcp to the {transport} server"
                figures[f"i_{transport}_orchestrated"] = await measure(label, orchestrated, requests, concurrency)
    finally:
        server.terminate()
        server.wait(10)
    return figures


def report(figures: dict[str, Figure]) -> str:
    a, b, c, d, f, g = (figures[k] for k in "abcdfg")
    lines = [
        f"b/a median latency ratio (cached /query vs bare endpoint): {b.median_ms / a.median_ms:.2f}",
        f"c/d median latency ratio: {c.median_ms / d.median_ms:.3f} (target <= 0.333); "
        f"vs legacy mode: {c.median_ms / figures['d_legacy'].median_ms:.3f}",
        f"e/a median latency ratio (conversation turn vs bare endpoint): {figures['e'].median_ms / a.median_ms:.2f}",
        f"g/f median latency ratio (model path vs rules, both uncached): {g.median_ms / f.median_ms:.2f}"
        f" (+{g.median_ms - f.median_ms:.2f} ms per request)",
    ]
    for transport in ("stdio", "http"):
        direct, through = figures[f"i_{transport}_direct"], figures[f"i_{transport}_orchestrated"]
        lines.append(
            f"i {transport} server: via the orchestrator / direct median {through.median_ms / direct.median_ms:.2f}x,"
            f" +{through.median_ms - direct.median_ms:.2f} ms per call"
        )
    memory = figures["h_memory"]
    for backend in BACKENDS:
        h = figures[f"h_{backend}"]
        lines.append(
            f"h/b {backend}: median {h.median_ms / b.median_ms:.2f}x; vs memory as L1 (same phase):"
            f" {h.median_ms / memory.median_ms:.2f}x, +{h.median_ms - memory.median_ms:.2f} ms per hit"
        )
    return "\n".join(lines)


def markdown(figures: dict[str, Figure]) -> str:
    rows = ["| measurement | median ms | p90 ms |", "|---|---:|---:|"]
    rows += [f"| {f.name} | {f.median_ms:.3f} | {f.p90_ms:.3f} |" for f in figures.values()]
    return "\n".join(rows) + "\n\n" + report(figures).replace("\n", "  \n") + "\n"


def rows_for(figures: dict[str, Figure]) -> list[GoalRow]:
    c, d = figures["c"], figures["d"]
    return [
        at_most("/mcp/call round trip ÷ official MCP SDK tools/call (median)", c.median_ms, d.median_ms, 0.333, "ms")
    ]


def goal_rows(args: argparse.Namespace) -> list[GoalRow]:
    """Measure every path, print the report, and hold /mcp/call to its goal."""
    figures = asyncio.run(run(args.requests, 1))
    print(report(figures), flush=True)
    return rows_for(figures)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="sequential requests per path")
    parser.add_argument("--markdown", type=Path, help="Also write the results as a Markdown table here.")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    figures = asyncio.run(run(args.requests, 1))
    print(report(figures))
    print(table(rows_for(figures)))
    if args.markdown:
        args.markdown.write_text(markdown(figures) + "\n" + table(rows_for(figures)) + "\n")


if __name__ == "__main__":
    main()
