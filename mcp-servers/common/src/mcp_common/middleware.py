"""Pure ASGI middleware: trace context for every request, one access-log line per response."""

from __future__ import annotations

import logging
import time

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcp_common import tracing

logger = logging.getLogger("mcp_common.http")


class TraceMiddleware:
    """Sets the trace context from `traceparent`/`X-Cloud-Trace-Context` and echoes the trace id."""

    def __init__(self, app: ASGIApp, *, service: str, quiet_paths: tuple[str, ...] = ("/health",)) -> None:
        self.app = app
        self.service = service
        self.quiet_paths = quiet_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ctx = tracing.from_headers(Headers(scope=scope))
        start = time.perf_counter()
        status = 500

        async def send_with_trace(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-trace-id", ctx.trace_id.encode())]
            await send(message)

        with tracing.use(ctx):
            try:
                await self.app(scope, receive, send_with_trace)
            finally:
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
