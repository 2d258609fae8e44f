"""Pure ASGI middleware: the server side of every request in one layer.

`TelemetryMiddleware` opens a server span continuing `traceparent`/`X-Cloud-Trace-Context`, echoes the
trace id in `x-trace-id`, records the request in the app's RED metrics (when it has a `Metrics`) and
writes one access-log line per response. One layer with one `send` wrapper: each ASGI layer costs
every request a call and a closure, so span, metrics and log share them.
"""

from __future__ import annotations

import logging
import time

from fastapi.telemetry import TelemetryConfig
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcp_common import tracing
from mcp_common.metrics import CURRENT, Metrics

logger = logging.getLogger("mcp_common.http")

# `FastAPI(telemetry=...)` of every app: FastAPI's own instrumentation stays off, because
# `TelemetryMiddleware` makes the request's one server span and its metrics (a second server span per
# request would split each trace, and checking for providers costs every request).
NATIVE_TELEMETRY_OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


class TelemetryMiddleware:
    """Span, metrics and access log of each HTTP request (see the module docstring).

    The metrics time everything inside this layer, so it is added last (outermost of the app's own).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        service: str,
        metrics: Metrics | None = None,
        quiet_paths: tuple[str, ...] = ("/health", "/health/live", "/health/ready"),  # probes: no access log line
    ) -> None:
        self.app = app
        self.service = service
        self.metrics = metrics
        self.quiet_paths = quiet_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        headers = Headers(scope=scope)
        parent = tracing.extract(headers)
        status = 500
        method = scope["method"]
        path, root_path = scope["path"], scope.get("root_path", "")  # as they arrived: a mount changes the scope
        span = tracing.tracer().start_span(method, parent, kind=SpanKind.SERVER)
        trace_id = trace.format_trace_id(span.get_span_context().trace_id).encode()

        async def send_with_trace(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-trace-id", trace_id)]
            await send(message)

        session = headers.get(tracing.SESSION_HEADER) or None
        metrics = self.metrics
        with tracing.attached(trace.set_span_in_context(span, parent), session, caller=parent):
            token = CURRENT.set(metrics) if metrics is not None else None  # `metrics.CURRENT` in the request
            try:
                await self.app(scope, receive, send_with_trace)
            finally:
                _end(span, scope, status)
                if metrics is not None and token is not None:
                    CURRENT.reset(token)
                    metrics.record(scope, method, path, root_path, status, time.perf_counter() - start)
                if scope["path"] not in self.quiet_paths and logger.isEnabledFor(logging.INFO):
                    logger.info(
                        "%s %s %s",
                        method,
                        scope["path"],
                        status,
                        extra={
                            "event_type": "http_request",
                            "http_method": method,
                            "path": scope["path"],
                            "status_code": status,
                            "latency_ms": tracing.elapsed_ms(start),
                        },
                    )


def _end(span: trace.Span, scope: Scope, status: int) -> None:
    if span.is_recording():
        attributes: dict[str, str | int] = {"http.request.method": scope["method"], "url.path": scope["path"],
                                            "http.response.status_code": status}  # fmt: skip
        route = getattr(scope.get("route"), "path", None)
        if route:
            span.update_name(f"{scope['method']} {route}")
            attributes["http.route"] = route
        span.set_attributes(attributes)  # one call: each takes the span's lock
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR))
    span.end()
