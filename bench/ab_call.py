"""The orchestrator's service-call round trip, run by `bench/ab.py` with one revision's own interpreter.

Calls `get_subscription` for ada through that revision's `HttpToolSource` against a running chargebee
service's `POST /mcp/call`, and prints one JSON line: median and p99 of sequential calls (ms) and
calls/s with `--concurrency` calls in flight.

The adapter is the only part that knows about revisions: the class is looked for at its newer home
first (`orchestrator.tools.http`), then at the older one (`orchestrator.tools.mcp_call`); the HTTP
client it takes (aiohttp session, httpx or httpx2 client) is read from its constructor's signature.
Usage: <tree>/.venv/bin/python bench/ab_call.py --url http://127.0.0.1:PORT [--requests 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import statistics
import time
from contextlib import AbstractAsyncContextManager
from typing import Any

MODULES = ("orchestrator.tools.http", "orchestrator.tools.mcp_call")
CLIENT_KINDS = ("httpx2", "httpx", "aiohttp")  # httpx2 before httpx: the one name contains the other
EMAIL = "ada@example.com"


def find_source_class() -> tuple[str, Any]:
    """The first of `MODULES` that defines `HttpToolSource`, and the class."""
    for module_name in MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        if hasattr(module, "HttpToolSource"):
            return module_name, module.HttpToolSource
    raise SystemExit(f"HttpToolSource is in none of {', '.join(MODULES)}")


def client_parameter(cls: Any) -> tuple[str, str]:
    """The constructor parameter that takes the HTTP client, and which client library it names."""
    for parameter in list(inspect.signature(cls).parameters.values())[2:]:  # after (name, base_url)
        described = f"{parameter.name}: {parameter.annotation}"
        for kind in CLIENT_KINDS:
            if kind in described:
                return parameter.name, kind
        if parameter.name == "session":
            return parameter.name, "aiohttp"
    raise SystemExit(f"no HTTP client parameter in HttpToolSource{inspect.signature(cls)}")


def open_client(kind: str, concurrency: int) -> AbstractAsyncContextManager[Any]:
    """An HTTP client of `kind` keeping up to `concurrency` connections alive."""
    if kind == "aiohttp":
        import aiohttp

        return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency, keepalive_timeout=30))
    library: Any = importlib.import_module(kind)  # httpx and httpx2 share this API
    limits = library.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    client: AbstractAsyncContextManager[Any] = library.AsyncClient(limits=limits)
    return client


async def measure(url: str, requests: int, concurrency: int) -> dict[str, Any]:
    module_name, cls = find_source_class()
    parameter, kind = client_parameter(cls)
    from mcp_common.wire import CallContext

    context = CallContext(caller=EMAIL)
    errors = 0
    async with open_client(kind, concurrency) as client:
        source = cls("chargebee", url, **{parameter: client})

        async def call() -> None:
            """One call; a failed one is counted and sent again once (as the executor retries a read)."""
            nonlocal errors
            for attempt in range(2):
                try:
                    result = await source.call("get_subscription", {"email": EMAIL}, context)
                except Exception:
                    errors += 1
                    if attempt:
                        raise
                    continue
                assert isinstance(result, dict) and result, result
                return

        for _ in range(min(200, requests // 5)):
            await call()
        latencies = []
        for _ in range(requests):
            start = time.perf_counter()
            await call()
            latencies.append((time.perf_counter() - start) * 1000)
        remaining = requests

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await call()

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        calls_per_s = requests / (time.perf_counter() - start)
    latencies.sort()
    return {
        "source": f"{module_name}.HttpToolSource({parameter}: {kind})",
        "errors": errors,
        "median_ms": statistics.median(latencies),
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "calls_per_s": calls_per_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="Base URL of a running chargebee service.")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.url, args.requests, args.concurrency))))


if __name__ == "__main__":
    main()
