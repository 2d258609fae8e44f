"""Pure ASGI middleware: a server span for every request, one access-log line per response."""

from __future__ import annotations

import logging
import time

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcp_common import tracing

logger = logging.getLogger("mcp_common.http")


class TraceMiddleware:
    """Runs each request in a server span continuing `traceparent`/`X-Cloud-Trace-Context`; echoes the trace id."""

    def __init__(self, app: ASGIApp, *, service: str, quiet_paths: tuple[str, ...] = ("/health",)) -> None:
        self.app = app
        self.service = service
        self.quiet_paths = quiet_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        parent = tracing.extract(headers)
        start = time.perf_counter()
        status = 500
        method = scope["method"]
        span = tracing.tracer().start_span(method, parent, kind=SpanKind.SERVER)
        trace_id = trace.format_trace_id(span.get_span_context().trace_id).encode()

        async def send_with_trace(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-trace-id", trace_id)]
            await send(message)

        session = headers.get(tracing.SESSION_HEADER) or None
        with tracing.attached(trace.set_span_in_context(span, parent), session, caller=parent):
            try:
                await self.app(scope, receive, send_with_trace)
            finally:
                _end(span, scope, status)
                if scope["path"] not in self.quiet_paths:
                    logger.info(
                        "%s %s %s",
                        scope["method"],
                        scope["path"],
                        status,
                        extra={
                            "event_type": "http_request",
                            "http_method": scope["method"],
                            "path": scope["path"],
                            "status_code": status,
                            "latency_ms": tracing.elapsed_ms(start),
                        },
                    )


def _end(span: trace.Span, scope: Scope, status: int) -> None:
    if span.is_recording():
        route = getattr(scope.get("route"), "path", None)
        if route:
            span.update_name(f"{scope['method']} {route}")
            span.set_attribute("http.route", route)
        span.set_attributes(
            {"http.request.method": scope["method"], "url.path": scope["path"], "http.response.status_code": status}
        )
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR))
    span.end()
