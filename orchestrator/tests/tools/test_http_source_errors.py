"""HttpToolSource maps every transport failure onto the shared error taxonomy, at this one boundary.

Each test serves a small Starlette app on a real loopback port and calls it through aiohttp.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import aiohttp
import anyio
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mcp_common import tracing
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.wire import CallContext, CallRequest
from mcp_devtools.testing import free_port, serve
from orchestrator.tools.http import HttpToolSource

Endpoint = Callable[[Request], Awaitable[Response]]
OK_REPLY = {"ok": True, "result": {}, "service": "svc", "tool": "t", "latency_ms": 1}


@asynccontextmanager
async def source_served_by(endpoint: Endpoint, *, timeout_s: float = 5.0) -> AsyncIterator[HttpToolSource]:
    """An HttpToolSource for a service whose `POST /mcp/call` is answered by `endpoint`."""
    app = Starlette(routes=[Route("/mcp/call", endpoint, methods=["POST"])])
    with serve(app) as url:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session:
            yield HttpToolSource("svc", url, session)


def answering(status: int, body: bytes) -> Endpoint:
    async def answer(request: Request) -> Response:
        return Response(body, status_code=status, media_type="application/json")

    return answer


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (429, b"{}", ErrorCode.RATE_LIMITED),
        (503, b"{}", ErrorCode.SERVICE_UNAVAILABLE),
        (200, b"not json", ErrorCode.SERVICE_BAD_RESPONSE),
        (200, b'{"ok": true, "service": "svc", "tool": "t", "latency_ms": 1}', ErrorCode.SERVICE_BAD_RESPONSE),
    ],
)
async def test_http_failures_become_service_errors(status: int, body: bytes, code: ErrorCode) -> None:
    async with source_served_by(answering(status, body)) as source:
        with pytest.raises(ServiceError) as caught:
            await source.call("t", {}, CallContext())
    assert caught.value.code == code


async def test_a_tool_error_keeps_its_code_and_message() -> None:
    body = {
        "ok": False,
        "error": {"code": "NOT_FOUND", "message": "no such customer", "retryable": False},
        "service": "svc",
        "tool": "t",
        "latency_ms": 1,
    }

    async def tool_error(request: Request) -> Response:
        return JSONResponse(body)

    async with source_served_by(tool_error) as source:
        with pytest.raises(ServiceError) as caught:
            await source.call("t", {}, CallContext())
    assert (caught.value.code, caught.value.message) == (ErrorCode.NOT_FOUND, "no such customer")


async def test_a_service_that_is_not_listening_is_unavailable() -> None:
    async with aiohttp.ClientSession() as session:
        source = HttpToolSource("svc", f"http://127.0.0.1:{free_port()}", session)
        with pytest.raises(ServiceError) as caught:
            await source.call("t", {}, CallContext())
    assert caught.value.code == ErrorCode.SERVICE_UNAVAILABLE and caught.value.retryable


async def test_a_service_that_drops_the_connection_once_it_has_the_call_leaves_the_outcome_unknown() -> None:
    received = asyncio.Event()

    async def read_then_hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")  # the request reached the service...
        received.set()
        writer.close()  # ...which died before answering

    server = await asyncio.start_server(read_then_hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, aiohttp.ClientSession() as session:
        source = HttpToolSource("svc", f"http://127.0.0.1:{port}", session)
        with anyio.fail_after(5), pytest.raises(ServiceError) as caught:
            await source.call("t", {}, CallContext())
    assert received.is_set()
    # Not "unavailable": that would tell a conversation that a write it sent certainly did not happen.
    assert caught.value.code == ErrorCode.SERVICE_TIMEOUT and caught.value.retryable
    assert caught.value.message == "svc closed the connection before answering"


async def test_a_slow_service_times_out() -> None:
    async def slow(request: Request) -> Response:
        await asyncio.sleep(1.0)
        return JSONResponse(OK_REPLY)

    async with source_served_by(slow, timeout_s=0.2) as source:
        with anyio.fail_after(5), pytest.raises(ServiceError) as caught:
            await source.call("t", {}, CallContext())
    assert caught.value.code == ErrorCode.SERVICE_TIMEOUT


async def test_calls_carry_the_trace_context_header() -> None:
    seen: list[str] = []

    async def record(request: Request) -> Response:
        seen.append(request.headers.get("traceparent", ""))
        return JSONResponse(OK_REPLY)

    async with source_served_by(record) as source:
        with tracing.use(tracing.TraceContext("a" * 32, "b" * 16)):
            await source.call("t", {}, CallContext())
    assert seen == [f"00-{'a' * 32}-{'b' * 16}-01"]


async def test_calls_send_the_request_as_json() -> None:
    received: list[tuple[str, CallRequest]] = []

    async def record(request: Request) -> Response:
        received.append(
            (request.headers.get("content-type", ""), CallRequest.model_validate_json(await request.body()))
        )
        return JSONResponse(OK_REPLY)

    async with source_served_by(record) as source:
        result = await source.call("t", {"email": "ada@example.com"}, CallContext(caller="ada@example.com"))
    [(content_type, call)] = received
    assert content_type == "application/json"
    assert (call.tool, call.arguments, call.context.caller) == ("t", {"email": "ada@example.com"}, "ada@example.com")
    assert result == {}
