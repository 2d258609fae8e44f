"""Trace context: read from W3C `traceparent` or `X-Cloud-Trace-Context`, carried in contextvars.

Every inbound request sets the current `TraceContext`; every outbound call sends
`outbound_headers()`; `span(...)` measures one step and logs it as a `service_span` event.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

logger = logging.getLogger("mcp_common.trace")

_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_CLOUD_TRACE = re.compile(r"^([0-9a-fA-F]{32})(?:/(\d+))?(?:;o=\d)?$")
SESSION_HEADER = "x-session-id"


def new_trace_id() -> str:
    return secrets.token_hex(16)


def new_span_id() -> str:
    return secrets.token_hex(8)


@dataclass(frozen=True)
class TraceContext:
    """The trace this code runs in; `span_id` is the current span."""

    trace_id: str
    span_id: str
    parent_span_id: str | None = None
    session_id: str | None = None

    def child(self) -> TraceContext:
        return replace(self, span_id=new_span_id(), parent_span_id=self.span_id)


_current: ContextVar[TraceContext | None] = ContextVar("trace_context", default=None)


def current() -> TraceContext | None:
    return _current.get()


def from_headers(headers: Mapping[str, str]) -> TraceContext:
    """Continue the caller's trace if it sent one, else start a new trace."""
    session_id = headers.get(SESSION_HEADER) or None
    match = _TRACEPARENT.match(headers.get("traceparent", "").strip().lower())
    if match and match.group(1) != "0" * 32:
        return TraceContext(match.group(1), new_span_id(), match.group(2), session_id)
    cloud = _CLOUD_TRACE.match(headers.get("x-cloud-trace-context", "").strip())
    if cloud:
        parent = f"{int(cloud.group(2)):016x}"[-16:] if cloud.group(2) else None
        return TraceContext(cloud.group(1).lower(), new_span_id(), parent, session_id)
    return TraceContext(new_trace_id(), new_span_id(), None, session_id)


@contextmanager
def use(ctx: TraceContext) -> Iterator[TraceContext]:
    """Make `ctx` the current trace context for the duration of the block."""
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def outbound_headers(ctx: TraceContext | None = None) -> dict[str, str]:
    """Headers that propagate the current trace (and session) to a downstream call."""
    ctx = ctx or current()
    if ctx is None:
        return {}
    headers = {"traceparent": f"00-{ctx.trace_id}-{ctx.span_id}-01"}
    if ctx.session_id:
        headers[SESSION_HEADER] = ctx.session_id
    return headers


@dataclass
class Span:
    """One measured step; `status` is "ok" unless set otherwise or an exception escapes."""

    name: str
    context: TraceContext
    attributes: dict[str, object] = field(default_factory=dict)
    status: str = "ok"
    latency_ms: float = 0.0


@contextmanager
def span(name: str, **attributes: object) -> Iterator[Span]:
    """Run a block as a child span of the current context and log it when it ends."""
    parent = current() or TraceContext(new_trace_id(), new_span_id())
    record = Span(name, parent.child(), dict(attributes))
    start = time.perf_counter()
    token = _current.set(record.context)
    try:
        yield record
    except BaseException:
        record.status = "error"
        raise
    finally:
        _current.reset(token)
        record.latency_ms = round((time.perf_counter() - start) * 1000, 3)
        logger.info(
            "span %s %s",
            name,
            record.status,
            extra={
                "event_type": "service_span",
                "span_name": name,
                "latency_ms": record.latency_ms,
                "status": record.status,
                "trace_id": record.context.trace_id,
                "span_id": record.context.span_id,
                "parent_span_id": record.context.parent_span_id,
                **record.attributes,
            },
        )
