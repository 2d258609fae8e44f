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

_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_CLOUD_TRACE = re.compile(r"^([0-9a-fA-F]{32})(?:/(\d+))?(?:;o=\d)?$")
_TRACE_ID = re.compile(r"[0-9a-f]{32}")
_SPAN_ID = re.compile(r"[0-9a-f]{16}")
SESSION_HEADER = "x-session-id"


def elapsed_ms(start: float) -> float:
    """Milliseconds since `start` (a `time.perf_counter()` reading), rounded to microseconds."""
    return round((time.perf_counter() - start) * 1000, 3)


def new_trace_id() -> str:
    return secrets.token_hex(16)


def new_span_id() -> str:
    return secrets.token_hex(8)


def is_trace_id(value: str) -> bool:
    """Whether `value` is a valid W3C trace id: 32 lowercase hex digits, not all zero."""
    return bool(_TRACE_ID.fullmatch(value)) and value != "0" * 32


def is_span_id(value: str) -> bool:
    """Whether `value` is a valid W3C span id: 16 lowercase hex digits, not all zero."""
    return bool(_SPAN_ID.fullmatch(value)) and value != "0" * 16


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
    parsed = _traceparent(headers.get("traceparent", "")) or _cloud_trace(headers.get("x-cloud-trace-context", ""))
    trace_id, parent_span_id = parsed or (new_trace_id(), None)
    return TraceContext(trace_id, new_span_id(), parent_span_id, session_id)


def _traceparent(value: str) -> tuple[str, str | None] | None:
    match = _TRACEPARENT.match(value.strip().lower())
    if match is None or match.group(1) == "ff":
        return None
    trace_id, span_id = match.group(2), match.group(3)
    return (trace_id, span_id) if is_trace_id(trace_id) and is_span_id(span_id) else None


def _cloud_trace(value: str) -> tuple[str, str | None] | None:
    match = _CLOUD_TRACE.match(value.strip())
    if match is None or not is_trace_id(match.group(1).lower()):
        return None
    span_id = f"{int(match.group(2)):016x}"[-16:] if match.group(2) else ""
    return match.group(1).lower(), span_id if is_span_id(span_id) else None


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
        record.latency_ms = elapsed_ms(start)
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
