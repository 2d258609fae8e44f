"""Spans exported from a separate process, so encoding and sending them never holds the request process's GIL.

`ShippingSpanProcessor` (in the serving process) turns each ended, sampled span into a plain tuple and
queues it; a thread hands the queue to a child process in batches (one pickle per batch over the
child's stdin). The child (`python -m mcp_common.span_shipping`) rebuilds the spans and exports them
with the SDK's exporter for the configured kind (OTLP over HTTP or gRPC, Cloud Trace), in batches of
at most `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`. For OTLP/HTTP it encodes the request from the tuples itself
(`mcp_common.otlp_encoding`: a quarter of the SDK's CPU per span) and sends it with the SDK's client.

Why: the SDK's `BatchSpanProcessor` encodes in a thread of the serving process (≈55 µs of CPU per
span for OTLP), and that thread takes the GIL from the event loop. Turning a span into a tuple costs a
few µs; see docs/performance.md for what each costs a cached request.

Bounded like the SDK's processor: at most `OTEL_BSP_MAX_QUEUE_SIZE` spans wait (more are dropped and
counted); the batch leaves every `OTEL_BSP_SCHEDULE_DELAY` ms, or sooner when a batch is full. If the
child dies, spans are dropped from then on (counted, one warning), and requests are never held.
`shutdown()` sends what is left, closes the pipe and waits for the child to export it.

The exporter's settings (endpoint, headers that may hold a token) travel in the first frame over the
pipe, never on the command line or in the environment.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from typing import IO, Any, BinaryIO

from opentelemetry.context import Context
from opentelemetry.sdk.trace import Event, ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags, TraceState

logger = logging.getLogger("mcp_common.telemetry")

_FRAME = struct.Struct(">I")
# name, trace id, span id, flags, trace state, (parent span id, remote) | None, kind, start, end,
# attributes | None, events | None, links | None, status code, status description, scope name, scope version
SpanTuple = tuple[Any, ...]


def _env_int(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


def _plain(attributes: Any) -> dict[str, Any] | None:
    """A span's or event's attributes as a dict (the SDK's `BoundedAttributes` copied without its locks)."""
    if not attributes:
        return None
    inner = getattr(attributes, "_dict", None)
    return inner.copy() if isinstance(inner, dict) else dict(attributes)


def to_tuple(span: ReadableSpan) -> SpanTuple:
    """What the child needs to rebuild `span`: plain values only (≈ a tenth of encoding it)."""
    # The SDK's public properties copy (events, links) or wrap (attributes) on every read; the fields
    # they read are taken directly, once.
    ctx = span._context
    assert ctx is not None
    parent = span._parent
    scope = span._instrumentation_scope
    events = span._events
    links = span._links
    status = span._status
    return (
        span._name,
        ctx.trace_id,
        ctx.span_id,
        int(ctx.trace_flags),
        ctx.trace_state.to_header() if ctx.trace_state else "",
        (parent.span_id, parent.is_remote) if parent is not None else None,
        span._kind.value,
        span._start_time,
        span._end_time,
        _plain(span._attributes),
        [(e.name, _plain(e.attributes), e.timestamp) for e in events] if events else None,
        [(li.context.trace_id, li.context.span_id, int(li.context.trace_flags), _plain(li.attributes)) for li in links]
        if links
        else None,
        status.status_code.value,
        status.description,
        scope.name if scope else "",
        scope.version if scope else None,
    )


def from_tuple(item: SpanTuple, resource: Any) -> ReadableSpan:
    """The `ReadableSpan` `to_tuple` described, with the serving process's resource."""
    from opentelemetry.sdk.util.instrumentation import InstrumentationScope

    (name, trace_id, span_id, flags, state, parent, kind, start, end, attributes, events, links, code, description,
     scope_name, scope_version) = item  # fmt: skip
    trace_flags = TraceFlags(flags)
    trace_state = TraceState.from_header([state]) if state else None
    context = SpanContext(trace_id, span_id, is_remote=False, trace_flags=trace_flags, trace_state=trace_state)
    parent_context = (
        SpanContext(trace_id, parent[0], is_remote=parent[1], trace_flags=trace_flags) if parent is not None else None
    )
    return ReadableSpan(
        name,
        context=context,
        parent=parent_context,
        resource=resource,
        attributes=attributes,
        events=[Event(n, a or {}, timestamp=t) for n, a, t in events or ()],
        links=[
            Link(SpanContext(t, s, is_remote=True, trace_flags=TraceFlags(f)), a or {}) for t, s, f, a in links or ()
        ],
        kind=SpanKind(kind),
        status=Status(StatusCode(code), description),
        start_time=start,
        end_time=end,
        instrumentation_scope=InstrumentationScope(scope_name, scope_version),
    )


class ShippingSpanProcessor(SpanProcessor):
    """Queues sampled spans and ships them to an exporter process (see the module's docstring)."""

    def __init__(self, config: Mapping[str, Any], *, command: Sequence[str] | None = None) -> None:
        self._max_queue = _env_int("OTEL_BSP_MAX_QUEUE_SIZE", 2048)
        self._batch = _env_int("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512)
        self._delay = _env_int("OTEL_BSP_SCHEDULE_DELAY", 5000) / 1000
        self._queue: deque[SpanTuple] = deque()
        self._wake = threading.Event()
        self._stopping = False
        self._write_lock = threading.Lock()
        self.dropped = 0
        self._child = subprocess.Popen(  # noqa: S603 - this interpreter and module, or the caller's own command
            list(command or (sys.executable, "-m", "mcp_common.span_shipping")),
            stdin=subprocess.PIPE,
            close_fds=True,
        )
        self._pipe: IO[bytes] | None = self._child.stdin
        self._send(dict(config))
        self._thread = threading.Thread(target=self._run, name="span-shipping", daemon=True)
        self._thread.start()

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        return None

    def on_end(self, span: ReadableSpan) -> None:
        ctx = span.get_span_context()
        if ctx is None or not ctx.trace_flags.sampled or self._stopping:
            return
        queue = self._queue
        if len(queue) >= self._max_queue:
            self.dropped += 1
            return
        queue.append(to_tuple(span))
        if len(queue) >= self._batch:
            self._wake.set()

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(self._delay)
            self._wake.clear()
            self._ship()

    def _ship(self) -> None:
        queue = self._queue
        while queue:
            batch = [queue.popleft() for _ in range(min(len(queue), self._batch))]
            self._send(batch)

    def _send(self, payload: object) -> None:
        with self._write_lock:
            if self._pipe is None:
                if isinstance(payload, list):
                    self.dropped += len(payload)
                return
            data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
            try:
                self._pipe.write(_FRAME.pack(len(data)) + data)
                self._pipe.flush()
            except (BrokenPipeError, OSError, ValueError):
                logger.warning("span export process %s has gone; spans are dropped from now on", self._child.pid)
                self._pipe = None
                if isinstance(payload, list):
                    self.dropped += len(payload)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Hands every queued span to the exporter process (which exports it on its own schedule)."""
        self._ship()
        return self._pipe is not None

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Ships what is left, closes the pipe and waits up to `timeout_s` for the child to export it."""
        if self._stopping:
            return
        self._stopping = True
        self._wake.set()
        self._thread.join(timeout_s)
        self._ship()
        with self._write_lock:
            if self._pipe is not None:
                with contextlib.suppress(OSError):
                    self._pipe.close()
                self._pipe = None
        try:
            self._child.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self._child.kill()
            self._child.wait()
        if self.dropped:
            logger.warning("%d spans were dropped (queue full or export process gone)", self.dropped)


def _read_frame(stream: BinaryIO) -> Any | None:
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(head)
    body = stream.read(size)
    if len(body) < size:
        return None
    return pickle.loads(body)  # noqa: S301 - the frame comes from the parent process over its own pipe


def main(stream: BinaryIO | None = None) -> int:
    """The exporter process: the first frame is the configuration, every other frame a batch of spans."""
    from opentelemetry.sdk.resources import Resource

    from mcp_common.exporters import build_exporter
    from mcp_common.otlp_encoding import encode_request, fast_sender

    source = stream or sys.stdin.buffer
    config = _read_frame(source)
    if not isinstance(config, dict):
        return 2
    exporter = build_exporter(
        config["kind"], config.get("endpoint"), config.get("headers") or {}, config.get("gcp_project")
    )
    if exporter is None:
        return 2
    resource = Resource(config.get("resource") or {})
    batch_size = _env_int("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512)
    # OTLP/HTTP: encoded here from the tuples and sent by the SDK exporter's own client (see otlp_encoding).
    sender = fast_sender(exporter) if config["kind"] == "otlp-http" else None
    try:
        while (batch := _read_frame(source)) is not None:
            for start in range(0, len(batch), batch_size):
                part = batch[start : start + batch_size]
                started = time.monotonic()
                if sender is not None:
                    ok = sender(encode_request(part, resource.attributes).SerializePartialToString())
                else:
                    ok = exporter.export([from_tuple(item, resource) for item in part]).name == "SUCCESS"
                if not ok:
                    logger.warning("span export failed after %.1f s", time.monotonic() - started)
    finally:
        exporter.shutdown()
    return 0


if __name__ == "__main__":
    # Ctrl-C reaches the whole process group: the child leaves when its parent closes the pipe (or dies),
    # so the spans the parent ships while it shuts down are still exported.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise SystemExit(main())
