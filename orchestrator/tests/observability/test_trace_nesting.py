"""One `/query` over two services is one OpenTelemetry trace whose spans nest as the request ran.

chargebee and hubspot are served on loopback, the orchestrator too; every span of the process goes to an
in-memory exporter.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from chargebee_service.app import create_app as billing_app
from chargebee_service.settings import Settings as BillingSettings
from hubspot_service.app import create_app as crm_app
from hubspot_service.settings import Settings as CrmSettings
from mcp_common import tracing
from mcp_devtools.testing import serve
from orchestrator.app import create_app
from orchestrator.settings import Settings

EMAIL = "ada@example.com"
QUESTION = "what plan am I on, and do I have open deals?"
CALLER_TRACE, CALLER_SPAN = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"


@pytest.fixture(scope="module")
def exporter() -> Iterator[InMemorySpanExporter]:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    previous = tracing.install(provider)
    yield memory
    tracing.install(previous)
    provider.shutdown()


@pytest.fixture(scope="module")
def orchestrator(exporter: InMemorySpanExporter) -> Iterator[str]:
    with serve(billing_app(BillingSettings())) as billing, serve(crm_app(CrmSettings())) as crm:
        settings = Settings(_env_file=None, services={"chargebee": billing, "hubspot": crm}, state_backend="memory")
        with serve(create_app(settings)) as url:
            yield url


def query(
    url: str, exporter: InMemorySpanExporter, question: str = QUESTION, **headers: str
) -> tuple[dict[str, Any], list[ReadableSpan]]:
    exporter.clear()
    response = httpx.post(f"{url}/query", json={"query": question, "email": EMAIL}, headers=headers, timeout=10)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert response.headers["x-trace-id"] == body["trace_id"]
    return body, [s for s in exporter.get_finished_spans() if f"{s.context.trace_id:032x}" == body["trace_id"]]


def named(spans: list[ReadableSpan], name: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name]


def attrs(span: ReadableSpan) -> Mapping[str, Any]:
    return span.attributes or {}


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def test_one_query_is_one_trace_nested_as_it_ran(orchestrator: str, exporter: InMemorySpanExporter) -> None:
    body, spans = query(orchestrator, exporter)

    assert {s["service"] for s in body["sources"]} == {"chargebee", "hubspot"}
    [root] = named(spans, "POST /query")
    assert root.parent is None
    engine = {name: named(spans, name)[0] for name in ("answer-cache lookup", "plan", "validate", "execute", "render")}
    assert set(engine) == {"answer-cache lookup", "plan", "validate", "execute", "render"}
    assert {parent_of(span) for span in engine.values()} == {root.context.span_id}
    calls = named(spans, "tool call")
    assert {attrs(c)["orchestrator.service"] for c in calls} == {"chargebee", "hubspot"}
    assert {parent_of(c) for c in calls} == {engine["execute"].context.span_id}
    servers = named(spans, "POST /mcp/call")
    assert len(servers) == 2
    assert {parent_of(s) for s in servers} == {c.context.span_id for c in calls}
    assert all(s.parent is not None and s.parent.is_remote for s in servers)
    runs = named(spans, "tool_call")
    assert {parent_of(r) for r in runs} == {s.context.span_id for s in servers}
    assert attrs(engine["answer-cache lookup"])["cache.hit"] is False
    assert attrs(engine["plan"])["orchestrator.planner"] == "rules"
    assert all(attrs(c)["orchestrator.tool.status"] == "ok" for c in calls)
    assert attrs(root)["http.route"] == "/query"
    assert attrs(root)["http.response.status_code"] == 200


def test_spans_carry_neither_the_email_nor_the_question(orchestrator: str, exporter: InMemorySpanExporter) -> None:
    body, spans = query(orchestrator, exporter)  # asked before: a cache hit, an attribute of the request span

    assert body["cached"] is True
    [root] = named(spans, "POST /query")
    assert attrs(root)["cache.layer"] == "memory"
    assert not named(spans, "answer-cache lookup")
    values = [str(value) for span in spans for value in (span.attributes or {}).values()]
    assert spans
    assert not [value for value in values if EMAIL in value or "open deals" in value]


def test_an_incoming_traceparent_is_continued_down_to_the_services(
    orchestrator: str, exporter: InMemorySpanExporter
) -> None:
    question = "do I have unpaid invoices and who is my account owner?"  # not cached: the services are called
    body, spans = query(orchestrator, exporter, question, traceparent=f"00-{CALLER_TRACE}-{CALLER_SPAN}-01")

    assert body["trace_id"] == CALLER_TRACE
    [root] = named(spans, "POST /query")
    assert root.parent is not None
    assert f"{root.parent.span_id:016x}" == CALLER_SPAN
    calls, servers = named(spans, "tool call"), named(spans, "POST /mcp/call")
    assert len(servers) == 2  # the services' server spans continue the caller's trace id, under our calls
    assert {parent_of(s) for s in servers} == {c.context.span_id for c in calls}
