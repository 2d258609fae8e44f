"""The exporter process's own OTLP encoding: the same request the SDK's encoder makes from the same spans."""

from __future__ import annotations

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_ON
from opentelemetry.trace import (
    Link,
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
    set_span_in_context,
)
from opentelemetry.trace.span import TraceState

from mcp_common.otlp_encoding import encode_request, fast_sender
from mcp_common.span_shipping import from_tuple, to_tuple

RESOURCE = {"service.name": "orchestrator", "service.version": "1.0", "deployment.environment": "test"}


def varied_spans() -> list[ReadableSpan]:
    """Spans with every field the encoders write: kinds, remote and local parents, events, links, statuses,
    trace state, attribute types (arrays included), two instrumentation scopes, a repeated attribute pair."""
    keep = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource(RESOURCE), sampler=ALWAYS_ON)
    provider.add_span_processor(SimpleSpanProcessor(keep))
    first, second = provider.get_tracer("mcp_common", "2.0"), provider.get_tracer("orchestrator")
    remote = SpanContext(
        0x1234, 0x5678, is_remote=True, trace_flags=TraceFlags(1), trace_state=TraceState([("k", "v")])
    )
    linked = SpanContext(0xABC, 0xDEF, is_remote=True, trace_flags=TraceFlags(1))
    with first.start_as_current_span(
        "POST /query", set_span_in_context(NonRecordingSpan(remote)), kind=SpanKind.SERVER,
        attributes={"http.route": "/query", "http.response.status_code": 200},
    ):  # fmt: skip
        for n in range(3):
            with second.start_as_current_span(
                f"tool {n}", kind=SpanKind.CLIENT, links=[Link(linked, {"why": "retry", "n": n})],
                attributes={"cached": n == 1, "ratio": 0.5 * n, "tags": ["a", "b"], "counts": [1, 2],
                            "http.route": "/query"},
            ) as span:  # fmt: skip
                span.add_event("cache miss", {"key": f"k{n}", "flag": True})
                span.add_event("bare")
                if n == 2:
                    span.set_status(Status(StatusCode.ERROR, "boom"))
                elif n == 1:
                    span.set_status(Status(StatusCode.OK))
    with first.start_as_current_span("root", kind=SpanKind.PRODUCER):
        pass
    return list(keep.get_finished_spans())


def test_the_request_is_the_one_the_sdk_encodes_from_the_same_spans() -> None:
    spans = varied_spans()
    tuples = [to_tuple(span) for span in spans]
    resource = Resource(RESOURCE)

    ours = encode_request(tuples, resource.attributes)
    sdk = encode_spans([from_tuple(item, resource) for item in tuples])

    assert ours == sdk
    parsed = ExportTraceServiceRequest.FromString(ours.SerializePartialToString())
    assert parsed == sdk
    names = [s.name for scope in parsed.resource_spans[0].scope_spans for s in scope.spans]
    assert sorted(names) == sorted(span.name for span in spans)
    assert len(parsed.resource_spans[0].scope_spans) == 2


def test_a_repeated_attribute_pair_is_encoded_once_and_shared() -> None:
    tuples = [to_tuple(span) for span in varied_spans()]
    request = encode_request(tuples, RESOURCE)
    routes = [
        value
        for scope in request.resource_spans[0].scope_spans
        for span in scope.spans
        for value in span.attributes
        if value.key == "http.route"
    ]
    assert len(routes) == 4 and all(r == routes[0] for r in routes)
    # a second encoding of the same spans is the same message, whatever the cache already held
    assert encode_request(tuples, RESOURCE) == request


def test_the_sdk_http_exporter_lends_its_client_and_other_exporters_do_not() -> None:
    exporter = OTLPSpanExporter(endpoint="http://127.0.0.1:9/v1/traces")
    try:
        assert fast_sender(exporter) is not None  # the pinned SDK has it: the exporter process takes this path
    finally:
        exporter.shutdown()  # type: ignore[no-untyped-call]
    assert fast_sender(ConsoleSpanExporter()) is None
    assert fast_sender(object()) is None
