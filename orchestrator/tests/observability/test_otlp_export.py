"""Real processes export their spans over OTLP/HTTP: one `/query` is one trace across three services.

The orchestrator, chargebee and hubspot run as `python -m …` with `*_TRACES_EXPORTER=otlp-http` pointed at
a receiver on loopback that decodes `ExportTraceServiceRequest` protobufs at `/v1/traces`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)

from mcp_devtools.stack import DEFAULT_SERVICES, run_stack
from mcp_devtools.testing import free_ports, otlp_receiver

QUESTION = "what plan am I on, and do I have open deals?"


def spans_of(exports: list[tuple[dict[str, str], bytes]], trace_id: str) -> list[tuple[str, str, str, str]]:
    """The spans of `trace_id` received, as (service.name, trace id, span name, parent span id)."""
    spans = []
    for _, body in list(exports):
        for resource_spans in ExportTraceServiceRequest.FromString(body).resource_spans:
            attrs = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    spans.append(
                        (attrs.get("service.name", ""), span.trace_id.hex(), span.name, span.parent_span_id.hex())
                    )
    return [s for s in spans if s[1] == trace_id]


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    with otlp_receiver() as found:
        yield found


def test_one_query_exports_one_trace_from_three_processes(
    receiver: tuple[str, list[tuple[dict[str, str], bytes]]], tmp_path: Path
) -> None:
    endpoint, received = receiver
    services = tuple(s for s in DEFAULT_SERVICES if s.name in ("chargebee", "hubspot"))
    env = {"OTEL_BSP_SCHEDULE_DELAY": "100", "ORCH_STATE_BACKEND": "memory", "ORCH_MCP_SERVERS": "{}",
           "ORCH_CONVERSATIONS": "none"}  # fmt: skip
    for prefix in ("ORCH_", *(s.env_prefix for s in services)):
        env |= {f"{prefix}TRACES_EXPORTER": "otlp-http", f"{prefix}OTLP_ENDPOINT": endpoint}
    ports = free_ports([*(s.name for s in services), "orchestrator"])
    with run_stack(
        services=services, ports=ports, orchestrator_port=ports["orchestrator"], env=env, log_dir=tmp_path
    ) as stack:
        response = httpx.post(f"{stack.urls['orchestrator']}/query", json={"query": QUESTION,
                              "email": "ada@example.com"}, timeout=10)  # fmt: skip
        assert response.status_code == 200
        trace_id = response.json()["trace_id"]
        deadline = time.monotonic() + 10
        while len({s[0] for s in spans_of(received, trace_id)}) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)

    spans = spans_of(received, trace_id)
    assert {service for service, *_ in spans} == {"orchestrator", "chargebee", "hubspot"}
    ids = {name for _, _, name, _ in spans}
    assert {"POST /query", "plan", "execute", "tool call", "POST /mcp/call", "tool_call"} <= ids
    roots = [s for s in spans if s[3] == ""]
    assert [(service, name) for service, _, name, _ in roots] == [("orchestrator", "POST /query")]
