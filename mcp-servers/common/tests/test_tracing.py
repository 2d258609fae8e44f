from __future__ import annotations

import logging
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased

from mcp_common import tracing

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN_ID = "00f067aa0ba902b7"


def span_records(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [vars(r) for r in caplog.records if getattr(r, "event_type", None) == "service_span"]


def test_traceparent_continues_the_callers_trace() -> None:
    ctx = tracing.from_headers({"traceparent": f"00-{TRACE_ID}-{SPAN_ID}-01"})

    assert ctx.trace_id == TRACE_ID
    assert ctx.parent_span_id == SPAN_ID
    assert tracing.is_span_id(ctx.span_id)
    assert ctx.span_id != SPAN_ID


def test_traceparent_tolerates_surrounding_whitespace_and_upper_case() -> None:
    ctx = tracing.from_headers({"traceparent": f"  00-{TRACE_ID.upper()}-{SPAN_ID}-00 "})

    assert (ctx.trace_id, ctx.parent_span_id) == (TRACE_ID, SPAN_ID)


@pytest.mark.parametrize(
    "traceparent",
    [
        "garbage",
        f"00-{TRACE_ID[:-1]}-{SPAN_ID}-01",
        f"00-{'g' * 32}-{SPAN_ID}-01",
        f"00-{'0' * 32}-{SPAN_ID}-01",
        f"00-{TRACE_ID}-{'0' * 16}-01",
        f"ff-{TRACE_ID}-{SPAN_ID}-01",
        f"00-{TRACE_ID}-{SPAN_ID}",
    ],
)
def test_invalid_traceparent_starts_a_new_trace(traceparent: str) -> None:
    ctx = tracing.from_headers({"traceparent": traceparent})

    assert tracing.is_trace_id(ctx.trace_id)
    assert ctx.trace_id not in traceparent
    assert ctx.parent_span_id is None


def test_cloud_trace_context_continues_the_trace_with_its_decimal_span_id() -> None:
    ctx = tracing.from_headers({"x-cloud-trace-context": f"{TRACE_ID.upper()}/12345;o=1"})

    assert ctx.trace_id == TRACE_ID
    assert ctx.parent_span_id == f"{12345:016x}"


def test_cloud_trace_context_without_a_span_id_has_no_parent() -> None:
    ctx = tracing.from_headers({"x-cloud-trace-context": TRACE_ID})

    assert (ctx.trace_id, ctx.parent_span_id) == (TRACE_ID, None)


@pytest.mark.parametrize("value", ["not-a-trace/1;o=1", f"{'0' * 32}/1;o=1", f"{TRACE_ID}/abc"])
def test_invalid_cloud_trace_context_starts_a_new_trace(value: str) -> None:
    ctx = tracing.from_headers({"x-cloud-trace-context": value})

    assert ctx.trace_id not in value
    assert ctx.parent_span_id is None


def test_traceparent_wins_over_cloud_trace_context() -> None:
    other = "1" * 32

    ctx = tracing.from_headers(
        {"traceparent": f"00-{TRACE_ID}-{SPAN_ID}-01", "x-cloud-trace-context": f"{other}/1;o=1"}
    )

    assert ctx.trace_id == TRACE_ID


def test_without_trace_headers_each_request_starts_its_own_trace() -> None:
    first, second = tracing.from_headers({}), tracing.from_headers({})

    assert tracing.is_trace_id(first.trace_id)
    assert tracing.is_span_id(first.span_id)
    assert first.parent_span_id is None
    assert first.trace_id != second.trace_id


def test_session_header_is_carried_into_the_context() -> None:
    assert tracing.from_headers({"x-session-id": "conv-42"}).session_id == "conv-42"
    assert tracing.from_headers({"x-session-id": ""}).session_id is None


def test_outbound_headers_round_trip_the_trace_and_session() -> None:
    sent = tracing.TraceContext(TRACE_ID, SPAN_ID, session_id="conv-42")

    received = tracing.from_headers(tracing.outbound_headers(sent))

    assert (received.trace_id, received.parent_span_id, received.session_id) == (TRACE_ID, SPAN_ID, "conv-42")


def test_outbound_headers_use_the_current_context_and_are_empty_outside_one() -> None:
    assert tracing.outbound_headers() == {}

    with tracing.use(tracing.TraceContext(TRACE_ID, SPAN_ID)):
        assert tracing.outbound_headers() == {"traceparent": f"00-{TRACE_ID}-{SPAN_ID}-01"}


def test_use_sets_the_current_context_for_the_block_only() -> None:
    ctx = tracing.TraceContext(TRACE_ID, SPAN_ID)

    with tracing.use(ctx):
        assert tracing.current() == ctx
    assert tracing.current() is None


def test_span_runs_as_a_child_of_the_current_context() -> None:
    parent = tracing.TraceContext(TRACE_ID, SPAN_ID)

    with tracing.use(parent), tracing.span("lookup") as sp:
        assert tracing.current() == sp.context
        assert (sp.context.trace_id, sp.context.parent_span_id) == (TRACE_ID, SPAN_ID)
        assert sp.context.span_id != SPAN_ID


def test_span_logs_a_service_span_record_with_latency(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mcp_common.trace")

    with tracing.use(tracing.TraceContext(TRACE_ID, SPAN_ID)), tracing.span("lookup", tool="list_orders"):
        pass

    [record] = span_records(caplog)
    assert record["span_name"] == "lookup"
    assert record["status"] == "ok"
    assert isinstance(record["latency_ms"], float)
    assert record["latency_ms"] >= 0
    assert (record["trace_id"], record["parent_span_id"]) == (TRACE_ID, SPAN_ID)
    assert record["tool"] == "list_orders"


def test_span_status_is_error_when_the_block_raises(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mcp_common.trace")

    with pytest.raises(ValueError, match="boom"), tracing.span("lookup"):
        raise ValueError("boom")

    [record] = span_records(caplog)
    assert record["status"] == "error"
    assert record["latency_ms"] >= 0
    assert tracing.current() is None


def test_span_logs_the_status_the_block_sets(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mcp_common.trace")

    with tracing.span("tool_call") as sp:
        sp.status = "NOT_FOUND"

    [record] = span_records(caplog)
    assert record["status"] == "NOT_FOUND"


def test_span_outside_any_trace_starts_one(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mcp_common.trace")

    with tracing.span("startup") as sp:
        pass

    assert tracing.is_trace_id(sp.context.trace_id)
    assert span_records(caplog)[0]["trace_id"] == sp.context.trace_id


@pytest.mark.parametrize(("flags", "recorded"), [("00", False), ("01", True)])
def test_a_tool_span_follows_the_callers_sampling_decision(flags: str, recorded: bool) -> None:
    """A service's tool span, under the ids the body names, is recorded only if the caller's trace is sampled."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(sampler=ParentBased(ALWAYS_OFF))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    previous = tracing.install(provider)
    trace_id, caller_span = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    try:
        parent = tracing.extract({"traceparent": f"00-{trace_id}-{caller_span}-{flags}"})
        server = tracing.tracer().start_span("server", parent)
        with tracing.attached(trace.set_span_in_context(server, parent), None, caller=parent):
            body = tracing.TraceContext(trace_id, tracing.new_span_id(), caller_span)  # as the body names it
            with tracing.use(body), tracing.span("tool_call"):
                pass
        server.end()
    finally:
        tracing.install(previous)
    assert ("tool_call" in [span.name for span in memory.get_finished_spans()]) is recorded


def test_a_trace_known_only_from_ids_counts_as_sampled() -> None:
    memory = InMemorySpanExporter()
    provider = TracerProvider(sampler=ParentBased(ALWAYS_OFF))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    previous = tracing.install(provider)
    try:
        body = tracing.TraceContext(tracing.new_trace_id(), tracing.new_span_id(), tracing.new_span_id())
        with tracing.use(body), tracing.span("tool_call"):
            pass
    finally:
        tracing.install(previous)
    assert [span.name for span in memory.get_finished_spans()] == ["tool_call"]
