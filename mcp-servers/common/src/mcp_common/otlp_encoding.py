"""OTLP protobuf straight from the exporter process's span tuples (`mcp_common.span_shipping.SpanTuple`).

The SDK's path rebuilds a `ReadableSpan` per tuple and encodes it through its properties (each copies or
wraps what it returns). Building the same `ExportTraceServiceRequest` from the tuple's plain values takes
about a quarter of that CPU (`bench/otlp_encoding.py`), and the request is the same message
(`tests/test_otlp_encoding.py` compares the two). Attribute pairs repeat across spans (route, method,
service, status), so each (key, value) is encoded once and reused, up to `_MAX_PAIRS` pairs.

`fast_sender` hands the bytes to the SDK's own OTLP/HTTP client (its retries, compression, TLS settings
and headers), when the installed exporter has one; otherwise the exporter process keeps the SDK's path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

logger = logging.getLogger("mcp_common.telemetry")

_MAX_PAIRS = 4096
_HAS_IS_REMOTE = 0x100  # SpanFlags.SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK
_IS_REMOTE = 0x200  # SpanFlags.SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK
_pairs: dict[tuple[str, type, Any], KeyValue] = {}


def _value(value: Any) -> AnyValue:
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, str):
        return AnyValue(string_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    if isinstance(value, bytes):
        return AnyValue(bytes_value=value)
    if isinstance(value, Sequence):
        return AnyValue(array_value=ArrayValue(values=[_value(v) for v in value]))
    if isinstance(value, Mapping):
        return AnyValue(
            kvlist_value=KeyValueList(values=[KeyValue(key=str(k), value=_value(v)) for k, v in value.items()])
        )
    return AnyValue()  # None, or a type no attribute can hold


def _pair(key: str, value: Any) -> KeyValue:
    hashable = isinstance(value, str | int | float | bool | bytes)
    cache_key = (key, type(value), value) if hashable else None
    if cache_key is not None and (known := _pairs.get(cache_key)) is not None:
        return known
    pair = KeyValue(key=key, value=_value(value))
    if cache_key is not None and len(_pairs) < _MAX_PAIRS:
        _pairs[cache_key] = pair
    return pair


def _attributes(attributes: Mapping[str, Any] | None) -> list[KeyValue] | None:
    return [_pair(k, v) for k, v in attributes.items()] if attributes else None


def _flags(parent_is_remote: bool | None) -> int:
    return _HAS_IS_REMOTE | _IS_REMOTE if parent_is_remote else _HAS_IS_REMOTE


def _link(trace_id: int, span_id: int, attributes: Mapping[str, Any] | None) -> Span.Link:
    # `from_tuple` rebuilds a link's context as remote, so the SDK's path flags it so too
    return Span.Link(
        trace_id=trace_id.to_bytes(16, "big"),
        span_id=span_id.to_bytes(8, "big"),
        attributes=_attributes(attributes),
        flags=_flags(True),
    )


def _span(item: Sequence[Any]) -> Span:
    (name, trace_id, span_id, _, state, parent, kind, start, end, attributes, events, links, code, description,
     _scope_name, _scope_version) = item  # fmt: skip
    return Span(
        trace_id=trace_id.to_bytes(16, "big"),
        span_id=span_id.to_bytes(8, "big"),
        trace_state=state or "",  # an empty string is an unset field
        parent_span_id=parent[0].to_bytes(8, "big") if parent is not None else b"",
        name=name,
        kind=kind + 1,  # the API's SpanKind starts at INTERNAL = 0, OTLP's at UNSPECIFIED = 0
        start_time_unix_nano=start,
        end_time_unix_nano=end,
        attributes=_attributes(attributes),
        events=[Span.Event(name=n, time_unix_nano=t, attributes=_attributes(a)) for n, a, t in events]
        if events
        else None,
        links=[_link(t, s, a) for t, s, _f, a in links] if links else None,
        status=Status(code=code, message=description),
        flags=_flags(parent[1] if parent is not None else None),
    )


def encode_request(batch: Sequence[Sequence[Any]], resource: Mapping[str, Any]) -> ExportTraceServiceRequest:
    """The OTLP request for `batch` (span tuples of one process, whose resource is `resource`)."""
    scopes: dict[tuple[str, str | None], list[Span]] = {}
    for item in batch:
        scopes.setdefault((item[14], item[15]), []).append(_span(item))
    scope_spans = [
        ScopeSpans(scope=InstrumentationScope(name=name, version=version or ""), spans=spans)
        for (name, version), spans in scopes.items()
    ]
    return ExportTraceServiceRequest(
        resource_spans=[ResourceSpans(resource=Resource(attributes=_attributes(resource)), scope_spans=scope_spans)]
    )


def fast_sender(exporter: object) -> Callable[[bytes], bool] | None:
    """Sends an encoded request with the SDK OTLP/HTTP exporter's own client, or None when it has none."""
    client = getattr(exporter, "_client", None)
    send = getattr(client, "export", None)
    if not callable(send):
        return None

    def sender(data: bytes) -> bool:
        return bool(getattr(send(data), "success", False))

    return sender
