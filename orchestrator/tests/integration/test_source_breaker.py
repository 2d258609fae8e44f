"""A source that stops answering: its circuit opens and requests fail fast; a slow one is held by the bulkhead.

1. A real chargebee process frozen with SIGSTOP behind a real orchestrator process (deadline 1 s):
   every request is answered within the deadline, the circuit opens, later requests fail at once
   ("circuit open"), and after SIGCONT and the cooldown a trial call closes it again.
2. A slow loopback service behind an `HttpToolSource` and an `Executor` with a bulkhead of 3: never
   more than 3 calls in flight at the service, the others refused ("too many calls in flight").
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
import httpx
import pytest
from orch_fakes import tool_info
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mcp_common.wire import CallResponse, ToolListing
from mcp_devtools.stack import DEFAULT_SERVICES, Stack, run_stack
from mcp_devtools.testing import free_port, serve
from orchestrator.execution.executor import Executor, ExecutorConfig
from orchestrator.planning.validation import ValidatedStep
from orchestrator.resilience.guard import GuardConfig
from orchestrator.security.caller import Caller
from orchestrator.state.cache import TieredCache
from orchestrator.state.memory import MemoryKVStore
from orchestrator.tools.catalog import Catalog
from orchestrator.tools.http import HttpToolSource

DEADLINE_S = 1.0
QUESTIONS = ("what plan am I on?", "what invoices do I have?", "what is my billing address?")
USERS = ("ada@example.com", "grace@example.com", "linus@example.com")
COOLDOWN_S = 1.5


@pytest.fixture(scope="module")
def orchestrator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str]]:
    services = tuple(s for s in DEFAULT_SERVICES if s.name == "chargebee")
    with run_stack(
        services=services,
        ports={"chargebee": free_port()},
        log_dir=tmp_path_factory.mktemp("source-breaker"),
        orchestrator=False,
    ) as stack:
        env = {
            "ORCH_DEADLINE_S": str(DEADLINE_S),
            "ORCH_SOURCE_BREAKER_FAILURES": "3",
            "ORCH_SOURCE_BREAKER_COOLDOWN_S": str(COOLDOWN_S),
            "ORCH_TOOL_CACHE": "false",
            "ORCH_ANSWER_TTL_S": "0",
            "ORCH_CATALOG_REFRESH_S": "3600",
        }
        url = stack.start_orchestrator("orchestrator-breaker", free_port(), env)
        try:
            yield stack, url
        finally:
            stack.terminate("orchestrator-breaker")


def _ask(client: httpx.Client, url: str, n: int) -> tuple[float, dict[str, Any]]:
    """One question needing chargebee (the `n`-th of nine different ones: few requests join another's work)."""
    start = time.monotonic()
    body = {"query": QUESTIONS[n % 3], "email": USERS[(n // 3) % 3]}
    reply: dict[str, Any] = client.post(f"{url}/query", json=body).json()
    return time.monotonic() - start, reply


def _failed_source(reply: dict[str, Any]) -> dict[str, Any]:
    [source] = [s for s in reply["sources"] if s["service"] == "chargebee"]
    assert source["status"] == "error", reply
    error: dict[str, Any] = source["error"]
    return error


def test_a_frozen_service_opens_its_circuit_and_recovers(orchestrator: tuple[Stack, str]) -> None:
    stack, url = orchestrator
    pid = stack.processes["chargebee"].pid
    with httpx.Client(timeout=10) as client, ThreadPoolExecutor(20) as pool:
        _, warm = _ask(client, url, 0)
        assert {s["status"] for s in warm["sources"]} == {"ok"}, warm
        os.kill(pid, signal.SIGSTOP)
        try:
            frozen = list(pool.map(lambda n: _ask(client, url, n), range(1, 21)))
            opened = time.monotonic()  # the circuit opened a little before: the frozen calls timed out
            assert max(t for t, _ in frozen) <= DEADLINE_S + 0.5, [t for t, _ in frozen]
            assert {_failed_source(r)["code"] for _, r in frozen} <= {"SERVICE_TIMEOUT", "SERVICE_UNAVAILABLE"}
            fast = [_ask(client, url, n) for n in range(21, 41)]
            for _, reply in fast:
                error = _failed_source(reply)
                assert error["code"] == "SERVICE_UNAVAILABLE" and error["retryable"], error
                assert "circuit open" in error["message"], error
            p50 = statistics.median(t for t, _ in fast)
            assert p50 <= 0.05, p50
            scrape = client.get(f"{url}/metrics").text
            assert 'orch_source_breaker_state{source="chargebee",state="open"} 1.0' in scrape
            assert 'orch_source_breaker_opens_total{source="chargebee"} 1.0' in scrape
        finally:
            os.kill(pid, signal.SIGCONT)
        resumed = time.monotonic()
        cooled = max(resumed, opened + COOLDOWN_S)  # at the latest
        recovered, n = None, 100
        while recovered is None and time.monotonic() - cooled < 2.0:
            _, reply = _ask(client, url, n)
            n += 1
            if {s["status"] for s in reply["sources"]} == {"ok"}:
                recovered = time.monotonic()
            else:
                time.sleep(0.05)
        assert recovered is not None, "no request succeeded within 2 s of SIGCONT and the cooldown"
        health = client.get(f"{url}/health").json()
    assert health["breakers"]["chargebee"]["circuit"] == "closed" and health["breakers"]["chargebee"]["opens"] == 1
    print(
        f"\nopen-circuit p50 {p50 * 1000:.1f} ms; first success {recovered - resumed:.2f} s after SIGCONT, "
        f"{recovered - cooled:.2f} s after the cooldown ({COOLDOWN_S} s) ended"
    )


class SlowService:
    """A loopback `/mcp/tools` + `/mcp/call` service whose calls take `delay_s`, counting calls in flight."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.in_flight = 0
        self.peak = 0
        self.calls = 0
        self._lock = threading.Lock()
        self.app = Starlette(routes=[Route("/mcp/tools", self.tools), Route("/mcp/call", self.call, methods=["POST"])])

    async def tools(self, request: Request) -> JSONResponse:
        listing = ToolListing(service="slow", version="1", tools=[tool_info("read")])
        return JSONResponse(listing.model_dump(mode="json"))

    async def call(self, request: Request) -> JSONResponse:
        with self._lock:
            self.calls += 1
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(self.delay_s)
        finally:
            with self._lock:
                self.in_flight -= 1
        reply = CallResponse(ok=True, result={"value": "v"}, service="slow", tool="read", latency_ms=1.0)
        return JSONResponse(reply.model_dump(mode="json"))


async def test_the_bulkhead_bounds_calls_in_flight_to_a_slow_service() -> None:
    service = SlowService(delay_s=0.3)
    config = ExecutorConfig(
        call_timeout_s=2.0,
        deadline_s=0.5,
        retries=0,
        cache_results=False,
        guard=GuardConfig(failures=100, cooldown_s=5.0, max_concurrency=3),
    )
    with serve(service.app) as base_url:
        async with aiohttp.ClientSession() as session:
            catalog = Catalog([HttpToolSource("slow", base_url, session)])
            await catalog.refresh()
            executor = Executor(catalog, TieredCache(MemoryKVStore()), config)
            tool = catalog.get("slow.read")
            callers = [Caller(f"user{n}@example.com") for n in range(10)]
            start = time.monotonic()
            runs = [executor.run([ValidatedStep(tool, {"email": c.email})], c) for c in callers]
            results = [r for [r] in await asyncio.gather(*runs)]
            elapsed = time.monotonic() - start
    assert service.peak == 3 and service.calls <= 6
    assert elapsed <= config.deadline_s + 0.3
    refused = [r for r in results if r.error is not None and "too many calls in flight" in r.error.message]
    assert [r.status for r in results].count("ok") == 3 and len(refused) >= 3, [r.error for r in results]
    assert all(r.error.code == "SERVICE_UNAVAILABLE" for r in refused if r.error)
