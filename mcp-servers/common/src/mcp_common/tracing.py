"""Trace context: the OpenTelemetry context is the source of truth.

A request's trace id is its OpenTelemetry trace id. Inbound, `extract` reads W3C `traceparent`
(the SDK's TraceContext propagator) or, failing that, Google's `X-Cloud-Trace-Context`; outbound,
`outbound_headers()` injects the current span with the same propagator (plus the session id).
`current()` describes the current span as a `TraceContext` for logs, error bodies and records;
`span(...)` runs a block as a child span and logs it as a `service_span` event.
The tracer provider is the one `mcp_common.telemetry.configure_tracing` installed, or a default
one without exporters (spans still carry ids and propagate).
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

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import Getter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

logger = logging.getLogger("mcp_common.trace")

_CLOUD_TRACE = re.compile(r"^([0-9a-fA-F]{32})(?:/(\d+))?(?:;o=\d)?$")
_TRACE_ID = re.compile(r"[0-9a-f]{32}")
_SPAN_ID = re.compile(r"[0-9a-f]{16}")
SESSION_HEADER = "x-session-id"
PROPAGATOR = TraceContextTextMapPropagator()
SCOPE = "mcp_common"

_tracer: trace.Tracer = TracerProvider().get_tracer(SCOPE)
_session: ContextVar[str | None] = ContextVar("trace_session", default=None)
_caller: ContextVar[str | None] = ContextVar("trace_caller_span", default=None)


def install(provider: trace.TracerProvider | trace.Tracer) -> trace.Tracer:
    """Make `provider` (or a tracer) the one every span of this process is created by; the previous tracer."""
    global _tracer
    previous = _tracer
    _tracer = provider if isinstance(provider, trace.Tracer) else provider.get_tracer(SCOPE)
    return previous


def tracer() -> trace.Tracer:
    return _tracer


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


class _Known(NonRecordingSpan):
    """A span known only by its ids (set by `use`), remembering its parent for `current()`."""

    def __init__(self, ctx: TraceContext, *, sampled: bool = True) -> None:
        flags = TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT)
        super().__init__(SpanContext(int(ctx.trace_id, 16), int(ctx.span_id, 16), is_remote=True, trace_flags=flags))
        parent = ctx.parent_span_id
        self.parent = SpanContext(int(ctx.trace_id, 16), int(parent, 16), True) if parent else None


def current() -> TraceContext | None:
    """The current span as a `TraceContext`, or None outside any span."""
    span = trace.get_current_span()
    sc = span.get_span_context()
    if not sc.is_valid:
        return None
    parent = getattr(span, "parent", None)
    return TraceContext(
        trace.format_trace_id(sc.trace_id),
        trace.format_span_id(sc.span_id),
        trace.format_span_id(parent.span_id) if parent is not None else None,
        _session.get(),
    )


class _LowerGetter(Getter[Mapping[str, str]]):
    def get(self, carrier: Mapping[str, str], key: str) -> list[str] | None:
        value = carrier.get(key)
        return [value.strip().lower()] if value else None

    def keys(self, carrier: Mapping[str, str]) -> list[str]:
        return list(carrier)


_GETTER = _LowerGetter()


def extract(headers: Mapping[str, str]) -> Context:
    """The caller's context from `traceparent` (W3C) or `X-Cloud-Trace-Context`; empty when neither is valid."""
    ctx = PROPAGATOR.extract(headers, getter=_GETTER)
    if trace.get_current_span(ctx).get_span_context().is_valid:
        return ctx
    parsed = _cloud_trace(headers.get("x-cloud-trace-context", ""))
    if parsed is None:
        return Context()
    trace_id, span_id = parsed
    if span_id is None:  # a trace without a parent span: continue the trace from a root
        return trace.set_span_in_context(_Root(trace_id))
    sc = SpanContext(int(trace_id, 16), int(span_id, 16), is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED))
    return trace.set_span_in_context(NonRecordingSpan(sc))


class _Root(NonRecordingSpan):
    """Only a trace id: children get that trace id and no parent."""

    def __init__(self, trace_id: str) -> None:
        sc = SpanContext(int(trace_id, 16), int(new_span_id(), 16), is_remote=True, trace_flags=TraceFlags(1))
        super().__init__(sc)


def from_headers(headers: Mapping[str, str]) -> TraceContext:
    """Continue the caller's trace if it sent one, else start a new trace (ids only, no span is started)."""
    session_id = headers.get(SESSION_HEADER) or None
    remote = trace.get_current_span(extract(headers))
    sc = remote.get_span_context()
    if not sc.is_valid:
        return TraceContext(new_trace_id(), new_span_id(), None, session_id)
    parent = None if isinstance(remote, _Root) else trace.format_span_id(sc.span_id)
    return TraceContext(trace.format_trace_id(sc.trace_id), new_span_id(), parent, session_id)


def _cloud_trace(value: str) -> tuple[str, str | None] | None:
    match = _CLOUD_TRACE.match(value.strip())
    if match is None or not is_trace_id(match.group(1).lower()):
        return None
    span_id = f"{int(match.group(2)):016x}"[-16:] if match.group(2) else ""
    return match.group(1).lower(), span_id if is_span_id(span_id) else None


@contextmanager
def use(ctx: TraceContext) -> Iterator[TraceContext]:
    """Make `ctx` (ids only) the current span and session for the duration of the block.

    In the trace of the request being served, the caller's sampling decision stands (spans under an
    unsampled `traceparent` are not recorded); a trace known only from ids counts as sampled."""
    served = trace.get_current_span().get_span_context()
    same_trace = served.is_valid and trace.format_trace_id(served.trace_id) == ctx.trace_id
    sampled = served.trace_flags.sampled if same_trace else True
    token = otel_context.attach(trace.set_span_in_context(_Known(ctx, sampled=sampled)))
    session = _session.set(ctx.session_id)
    try:
        yield ctx
    finally:
        _session.reset(session)
        otel_context.detach(token)


@contextmanager
def session(session_id: str | None) -> Iterator[None]:
    """Calls made in the block carry `session_id` with their trace."""
    token = _session.set(session_id)
    try:
        yield
    finally:
        _session.reset(token)


def caller_span_id() -> str | None:
    """The span of the caller that sent the request being served (its `traceparent`), if any."""
    return _caller.get()


@contextmanager
def attached(ctx: Context, session_id: str | None = None, caller: Context | None = None) -> Iterator[None]:
    """Run the block in `ctx` (and session); `caller` is the context extracted from the request."""
    remote = trace.get_current_span(caller) if caller is not None else None
    sc = remote.get_span_context() if remote is not None else None
    caller_span = trace.format_span_id(sc.span_id) if sc and sc.is_valid and not isinstance(remote, _Root) else None
    token = otel_context.attach(ctx)
    session_token, caller_token = _session.set(session_id), _caller.set(caller_span)
    try:
        yield
    finally:
        _caller.reset(caller_token)
        _session.reset(session_token)
        otel_context.detach(token)


def inject(carrier: dict[str, str], ctx: TraceContext | None = None) -> dict[str, str]:
    """Add `traceparent` (and `tracestate`) of `ctx` or the current span to `carrier`."""
    if ctx is None:
        PROPAGATOR.inject(carrier)
    else:
        PROPAGATOR.inject(carrier, context=trace.set_span_in_context(_Known(ctx)))
    return carrier


def outbound_headers(ctx: TraceContext | None = None) -> dict[str, str]:
    """Headers that propagate the current trace (and session) to a downstream call."""
    headers = inject({}, ctx)
    session_id = ctx.session_id if ctx is not None else _session.get()
    if session_id and headers:
        headers[SESSION_HEADER] = session_id
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
def span(name: str, *, kind: SpanKind = SpanKind.INTERNAL, **attributes: object) -> Iterator[Span]:
    """Run a block as a child span of the current context and log it when it ends."""
    with _tracer.start_as_current_span(name, kind=kind, record_exception=False, set_status_on_exception=False) as sp:
        ctx = current()
        assert ctx is not None
        record = Span(name, ctx, dict(attributes))
        start = time.perf_counter()
        try:
            yield record
        except BaseException:
            record.status = "error"
            raise
        finally:
            record.latency_ms = elapsed_ms(start)
            if sp.is_recording():
                plain = {k: v for k, v in record.attributes.items() if isinstance(v, str | int | float | bool)}
                sp.set_attributes(plain)
                if record.status != "ok":
                    sp.set_attribute("error.type", record.status)
                    sp.set_status(Status(StatusCode.ERROR))
            if logger.isEnabledFor(logging.INFO):  # the record costs more than the check
                logger.info(
                    "span %s %s",
                    name,
                    record.status,
                    extra={
                        "event_type": "service_span",
                        "span_name": name,
                        "latency_ms": record.latency_ms,
                        "status": record.status,
                        "trace_id": ctx.trace_id,
                        "span_id": ctx.span_id,
                        "parent_span_id": ctx.parent_span_id,
                        **record.attributes,
                    },
                )
