"""Spans shipped to an exporter process: the tuple round trip, a real child exporting OTLP/HTTP to a
receiver on loopback, the queue bound, and a child that has gone."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags

from mcp_common.span_shipping import ShippingSpanProcessor, from_tuple, to_tuple
from mcp_devtools.testing import otlp_receiver


def provider_with(processor: SpanProcessor, *, sampled: bool = True) -> TracerProvider:
    provider = TracerProvider(resource=Resource({"service.name": "svc"}), sampler=ALWAYS_ON if sampled else ALWAYS_OFF)
    provider.add_span_processor(processor)
    return provider


def test_a_span_survives_the_tuple_round_trip() -> None:
    keep = InMemorySpanExporter()
    tracer = provider_with(SimpleSpanProcessor(keep)).get_tracer("scope.name", "1.2")
    linked = SpanContext(0xABC, 0xDEF, is_remote=True, trace_flags=TraceFlags(1))
    with (
        tracer.start_as_current_span("parent"),
        tracer.start_as_current_span(
            "child", kind=SpanKind.CLIENT, links=[Link(linked, {"why": "retry"})], attributes={"a": 1, "b": ["x"]}
        ) as span,
    ):
        span.add_event("cache miss", {"key": "k"})
        span.set_status(Status(StatusCode.ERROR, "boom"))
    child, parent = keep.get_finished_spans()
    resource = Resource({"service.name": "svc"})

    rebuilt = from_tuple(to_tuple(child), resource)

    assert rebuilt.name == "child"
    assert rebuilt.context == child.context
    assert rebuilt.parent is not None and child.parent is not None
    assert (rebuilt.parent.span_id, rebuilt.parent.is_remote) == (parent.context.span_id, False)
    assert rebuilt.kind is SpanKind.CLIENT
    assert (rebuilt.start_time, rebuilt.end_time) == (child.start_time, child.end_time)
    assert dict(rebuilt.attributes or {}) == {"a": 1, "b": ("x",)}
    assert [(e.name, dict(e.attributes or {}), e.timestamp) for e in rebuilt.events] == [
        ("cache miss", {"key": "k"}, child.events[0].timestamp)
    ]
    assert [(li.context.trace_id, li.context.span_id, dict(li.attributes or {})) for li in rebuilt.links] == [
        (0xABC, 0xDEF, {"why": "retry"})
    ]
    assert (rebuilt.status.status_code, rebuilt.status.description) == (StatusCode.ERROR, "boom")
    assert rebuilt.instrumentation_scope is not None
    assert (rebuilt.instrumentation_scope.name, rebuilt.instrumentation_scope.version) == ("scope.name", "1.2")
    assert rebuilt.resource is resource
    root = from_tuple(to_tuple(parent), resource)
    assert root.parent is None and root.events == () and root.links == ()


@dataclass
class Received:
    """What the collector received: spans as (service.name, span name, attributes), and each export's
    authorization header."""

    exports: list[tuple[dict[str, str], bytes]]

    @property
    def spans(self) -> list[tuple[str, str, dict[str, str]]]:
        found = []
        for _, body in list(self.exports):
            for resource_spans in ExportTraceServiceRequest.FromString(body).resource_spans:
                service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}["service.name"]
                for scope in resource_spans.scope_spans:
                    for span in scope.spans:
                        found.append((service, span.name, {a.key: a.value.string_value for a in span.attributes}))
        return found

    @property
    def authorization(self) -> list[str]:
        return [headers.get("authorization", "") for headers, _ in list(self.exports)]


@pytest.fixture
def receiver() -> Iterator[tuple[str, Received]]:
    with otlp_receiver() as (url, exports):
        yield url, Received(exports)


def config(endpoint: str) -> dict[str, object]:
    return {
        "kind": "otlp-http",
        "endpoint": endpoint,
        "headers": {"authorization": "Bearer collector-secret"},
        "gcp_project": None,
        "resource": {"service.name": "billing"},
    }


def test_spans_are_exported_by_the_child_with_the_headers_it_was_sent(
    receiver: tuple[str, Received], monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint, received = receiver
    monkeypatch.setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "4")  # ten spans leave in three batches
    processor = ShippingSpanProcessor(config(endpoint))
    child = processor._child
    tracer = provider_with(processor).get_tracer("t")
    for n in range(10):
        with tracer.start_as_current_span(f"span {n}", attributes={"n": str(n)}):
            pass
    # The collector's token is neither on the child's command line nor in its environment.
    proc = Path(f"/proc/{child.pid}")
    if proc.exists():
        assert b"collector-secret" not in (proc / "cmdline").read_bytes()
        assert b"collector-secret" not in (proc / "environ").read_bytes()

    processor.shutdown()

    assert child.returncode == 0
    assert sorted(received.spans) == sorted(("billing", f"span {n}", {"n": str(n)}) for n in range(10))
    assert set(received.authorization) == {"Bearer collector-secret"}
    assert processor.dropped == 0


def test_unsampled_spans_are_not_shipped(receiver: tuple[str, Received]) -> None:
    endpoint, received = receiver
    processor = ShippingSpanProcessor(config(endpoint))
    with provider_with(processor, sampled=False).get_tracer("t").start_as_current_span("not kept"):
        pass
    processor.shutdown()
    assert received.spans == []


def test_a_full_queue_drops_and_counts(receiver: tuple[str, Received], monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint, received = receiver
    monkeypatch.setenv("OTEL_BSP_MAX_QUEUE_SIZE", "5")
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "60000")  # nothing leaves before shutdown
    processor = ShippingSpanProcessor(config(endpoint))
    tracer = provider_with(processor).get_tracer("t")
    for n in range(8):
        with tracer.start_as_current_span(f"span {n}"):
            pass
    processor.shutdown()
    assert processor.dropped == 3
    assert sorted(name for _, name, _ in received.spans) == [f"span {n}" for n in range(5)]


def test_a_child_that_has_gone_costs_requests_nothing(caplog: pytest.LogCaptureFixture) -> None:
    # A "child" that exits at once: writes to its pipe fail, spans are dropped and counted, nothing raises.
    processor = ShippingSpanProcessor(config("http://127.0.0.1:9"), command=[sys.executable, "-c", "pass"])
    processor._child.wait(10)
    tracer = provider_with(processor).get_tracer("t")
    for n in range(3):
        with tracer.start_as_current_span(f"span {n}"):
            pass
    assert processor.force_flush() is False
    with tracer.start_as_current_span("after"):
        pass
    processor.shutdown()
    assert processor.dropped == 4
    assert "span export process" in caplog.text


def test_the_child_leaves_when_its_parent_closes_the_pipe_without_a_configuration() -> None:
    child = subprocess.run(
        [sys.executable, "-m", "mcp_common.span_shipping"], input=b"", capture_output=True, timeout=30, check=False
    )
    assert child.returncode == 2


def test_only_a_serving_process_freezes_its_heap() -> None:
    script = (
        "import gc\n"
        "from mcp_common import heap\n"
        "assert heap.settle() == 0 and gc.get_freeze_count() == 0\n"
        "heap.enable()\n"
        "print(heap.settle())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=True)
    assert int(out.stdout) > 1000
