"""HttpToolSource maps every transport failure onto the shared error taxonomy, at this one boundary."""

from __future__ import annotations

import httpx
import pytest

from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.testing import free_port
from mcp_common.wire import CallContext
from orchestrator.tools.mcp_call import HttpToolSource


def source_answering(handler: httpx.MockTransport) -> HttpToolSource:
    return HttpToolSource("svc", "http://svc.test", httpx.AsyncClient(transport=handler))


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
    source = source_answering(httpx.MockTransport(lambda request: httpx.Response(status, content=body)))
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
    source = source_answering(httpx.MockTransport(lambda request: httpx.Response(200, json=body)))
    with pytest.raises(ServiceError) as caught:
        await source.call("t", {}, CallContext())
    assert (caught.value.code, caught.value.message) == (ErrorCode.NOT_FOUND, "no such customer")


async def test_a_service_that_is_not_listening_is_unavailable() -> None:
    async with httpx.AsyncClient() as client:
        source = HttpToolSource("svc", f"http://127.0.0.1:{free_port()}", client)
        with pytest.raises(ServiceError) as caught:
            await source.call("t", {}, CallContext())
    assert caught.value.code == ErrorCode.SERVICE_UNAVAILABLE and caught.value.retryable


async def test_a_slow_service_times_out() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    source = source_answering(httpx.MockTransport(slow))
    with pytest.raises(ServiceError) as caught:
        await source.call("t", {}, CallContext())
    assert caught.value.code == ErrorCode.SERVICE_TIMEOUT


async def test_calls_carry_the_trace_context_header() -> None:
    from mcp_common import tracing

    seen: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("traceparent", ""))
        return httpx.Response(200, json={"ok": True, "result": {}, "service": "svc", "tool": "t", "latency_ms": 1})

    source = source_answering(httpx.MockTransport(record))
    ctx = tracing.TraceContext("a" * 32, "b" * 16)
    with tracing.use(ctx):
        await source.call("t", {}, CallContext())
    assert seen == [f"00-{'a' * 32}-{'b' * 16}-01"]
