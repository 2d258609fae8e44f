from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from mcp_common.app import create_service_app
from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext
from mcp_devtools.testing import serve

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01"


@pytest.fixture
async def client(demo_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=demo_url, timeout=5.0) as client:
        yield client


async def call(client: httpx.AsyncClient, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = await client.post("/mcp/call", json=body, headers=headers)
    assert response.status_code == 200
    payload: dict[str, Any] = response.json()
    return payload


async def test_health_names_the_service_its_version_and_tool_count(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "demo", "version": "1.2.3", "tools": 5}


async def test_tool_listing_describes_every_tool(client: httpx.AsyncClient, registry: ToolRegistry) -> None:
    listing = (await client.get("/mcp/tools")).json()

    assert (listing["service"], listing["version"]) == ("demo", "1.2.3")
    by_name = {tool["name"]: tool for tool in listing["tools"]}
    assert set(by_name) == {spec.name for spec in registry}
    for spec in registry:
        assert by_name[spec.name] == {
            "name": spec.name,
            "description": spec.description,
            "input_schema": spec.input_model.model_json_schema(),
            "output_schema": spec.output_model.model_json_schema(),
            "writes": spec.writes,
            "identity_args": list(spec.identity_args),
            "cache_ttl_s": spec.cache_ttl_s,
            "examples": list(spec.examples),
            "cache_scope": None if spec.writes else "demo",
            "invalidates": list(spec.invalidates) if spec.invalidates is not None else None,
        }


async def test_tool_listing_carries_declared_flags(client: httpx.AsyncClient) -> None:
    by_name = {tool["name"]: tool for tool in (await client.get("/mcp/tools")).json()["tools"]}

    assert by_name["list_orders"]["identity_args"] == ["email"]
    assert by_name["list_orders"]["cache_ttl_s"] == 60
    assert by_name["list_orders"]["examples"] == ["what did I order?"]
    assert by_name["list_orders"]["input_schema"]["properties"]["limit"]["minimum"] == 1
    assert "Customer" in by_name["list_orders"]["output_schema"]["$defs"]
    assert by_name["cancel_order"]["writes"] is True
    assert by_name["get_order"]["writes"] is False


async def test_successful_call_returns_result_service_tool_and_latency(client: httpx.AsyncClient) -> None:
    body = await call(client, {"tool": "list_orders", "arguments": {"email": "ada@example.com", "limit": 1}})

    assert set(body) == {"ok", "result", "service", "tool", "latency_ms"}
    assert body["ok"] is True
    assert body["result"] == {
        "customer": {"email": "ada@example.com", "name": "Ada Lovelace"},
        "orders": [{"order_id": "A-1", "total_cents": 1000}],
    }
    assert (body["service"], body["tool"]) == ("demo", "list_orders")
    assert body["latency_ms"] >= 0


async def test_tool_error_is_an_ok_false_body_with_status_200(client: httpx.AsyncClient) -> None:
    body = await call(client, {"tool": "get_order", "arguments": {"order_id": "Z-9"}})

    assert body["ok"] is False
    assert "result" not in body
    assert body["error"] == {"code": "NOT_FOUND", "message": "order Z-9 does not exist", "retryable": False}
    assert (body["service"], body["tool"]) == ("demo", "get_order")


async def test_invalid_arguments_are_an_invalid_request_error(client: httpx.AsyncClient) -> None:
    body = await call(client, {"tool": "list_orders", "arguments": {"email": "ada@example.com", "limit": 0}})

    assert body["error"]["code"] == "INVALID_REQUEST"
    assert "limit" in body["error"]["message"]


async def test_unknown_tool_is_a_tool_not_found_error(client: httpx.AsyncClient) -> None:
    body = await call(client, {"tool": "delete_everything"})

    assert body["error"]["code"] == "TOOL_NOT_FOUND"


async def test_crash_is_an_internal_error_without_the_exception_text(client: httpx.AsyncClient) -> None:
    body = await call(client, {"tool": "explode"})

    assert body["error"] == {"code": "INTERNAL", "message": "demo.explode failed unexpectedly", "retryable": False}


async def test_caller_in_the_context_binds_identity_arguments(client: httpx.AsyncClient) -> None:
    arguments = {"email": "grace@example.com", "order_id": "A-1"}

    forbidden = await call(
        client, {"tool": "cancel_order", "arguments": arguments, "context": {"caller": "ada@example.com"}}
    )
    allowed = await call(
        client, {"tool": "cancel_order", "arguments": arguments, "context": {"caller": "GRACE@example.com"}}
    )

    assert forbidden["error"]["code"] == "FORBIDDEN"
    assert allowed["result"] == {"order_id": "A-1", "cancelled": True}


async def test_response_carries_the_trace_id_of_an_incoming_traceparent(client: httpx.AsyncClient) -> None:
    response = await client.post("/mcp/call", json={"tool": "trace_echo"}, headers={"traceparent": TRACEPARENT})

    assert response.headers["x-trace-id"] == TRACE_ID
    assert response.json()["result"] == {
        "current_trace_id": TRACE_ID,
        "context_trace_id": TRACE_ID,
        "context_span_id": PARENT_SPAN_ID,
    }


async def test_response_carries_the_trace_id_of_an_incoming_cloud_trace_header(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/health", headers={"x-cloud-trace-context": f"{TRACE_ID}/1;o=1"})

    assert response.headers["x-trace-id"] == TRACE_ID


async def test_every_response_carries_a_fresh_trace_id_without_trace_headers(client: httpx.AsyncClient) -> None:
    first = await client.get("/health")
    second = await client.get("/mcp/tools")

    assert len(first.headers["x-trace-id"]) == 32
    assert first.headers["x-trace-id"] != second.headers["x-trace-id"]


async def test_trace_id_in_the_body_context_is_honoured(client: httpx.AsyncClient) -> None:
    context = {"trace_id": "ef" * 16, "span_id": "12" * 8}

    body = await call(client, {"tool": "trace_echo", "context": context}, traceparent=TRACEPARENT)

    assert body["result"] == {
        "current_trace_id": "ef" * 16,
        "context_trace_id": "ef" * 16,
        "context_span_id": "12" * 8,
    }


@pytest.mark.parametrize("bad_trace_id", ["z" * 32, "0" * 32, "ab" * 15])
async def test_invalid_trace_id_in_the_body_falls_back_to_the_header_trace(
    client: httpx.AsyncClient, bad_trace_id: str
) -> None:
    context = {"trace_id": bad_trace_id}

    body = await call(client, {"tool": "trace_echo", "context": context}, traceparent=TRACEPARENT)

    assert body["result"]["current_trace_id"] == TRACE_ID
    assert body["result"]["context_trace_id"] == TRACE_ID


def test_service_lifespan_opens_before_serving_and_closes_after(registry: ToolRegistry) -> None:
    events: list[str] = []

    @asynccontextmanager
    async def backend() -> AsyncIterator[None]:
        events.append("open")
        yield
        events.append("close")

    with serve(create_service_app(registry, lifespan=backend)) as url:
        assert events == ["open"]
        assert httpx.get(f"{url}/health").status_code == 200
    assert events == ["open", "close"]


class NoArgs(BaseModel):
    pass


def test_cache_declarations_are_checked_when_tools_are_registered() -> None:
    registry = ToolRegistry("shop")

    with pytest.raises(ValueError, match="reads only"):

        @registry.tool(invalidates=("shop",))
        async def read(args: NoArgs, ctx: CallContext) -> NoArgs:
            """Reads."""
            return args

    with pytest.raises(ValueError, match="never cached"):

        @registry.tool(writes=True, cache_scope="shop")
        async def write(args: NoArgs, ctx: CallContext) -> NoArgs:
            """Writes."""
            return args

    @registry.tool(writes=True, invalidates=("shop", "tracking"))
    async def buy(args: NoArgs, ctx: CallContext) -> NoArgs:
        """Buys."""
        return args

    @registry.tool(cache_scope="catalogue")
    async def browse(args: NoArgs, ctx: CallContext) -> NoArgs:
        """Browses."""
        return args

    @registry.tool()
    async def look(args: NoArgs, ctx: CallContext) -> NoArgs:
        """Looks."""
        return args

    infos = {spec.name: spec.info() for spec in registry}
    assert infos["buy"].invalidates == ["shop", "tracking"] and infos["buy"].cache_scope is None
    assert infos["browse"].cache_scope == "catalogue" and infos["browse"].invalidates is None
    assert infos["look"].cache_scope == "shop"
