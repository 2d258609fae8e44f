"""The official MCP client against a served registry, on the modern and the handshake-era protocol."""

from __future__ import annotations

from typing import Any

import httpx
import mcp
import pytest
from mcp.types import CallToolResult, TextContent

from mcp_common.app import ServiceConfig, create_service_app
from mcp_common.registry import ToolRegistry
from mcp_devtools.testing import serve

MODES = pytest.mark.parametrize("mode", ["auto", "legacy"])
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "host-check", "version": "1"},
    },
}


def connect(url: str, mode: str) -> mcp.Client:
    """The official client for the served app's `/mcp`; entered in the test's own task (anyio scopes)."""
    return mcp.Client(f"{url}/mcp", mode=mode)


def error_text(result: CallToolResult) -> str:
    assert result.is_error
    assert result.structured_content is None
    [content] = result.content
    assert isinstance(content, TextContent)
    return content.text


async def post_initialize(url: str, host: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=5.0) as http:
        return await http.post(f"{url}/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Host": host})


@pytest.mark.parametrize(("mode", "version_prefix"), [("auto", "2026-07-28"), ("legacy", "2025-")])
async def test_client_negotiates_the_expected_protocol_version(demo_url: str, mode: str, version_prefix: str) -> None:
    async with connect(demo_url, mode) as client:
        assert client.protocol_version.startswith(version_prefix)
        assert client.server_info is not None
        assert (client.server_info.name, client.server_info.version) == ("demo", "1.2.3")


@MODES
async def test_tools_list_returns_every_tool_with_its_schemas(demo_url: str, mode: str, registry: ToolRegistry) -> None:
    async with connect(demo_url, mode) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}

    assert set(tools) == {spec.name for spec in registry}
    for spec in registry:
        tool, expected_input = tools[spec.name], spec.input_model.model_json_schema()
        assert tool.description == spec.description
        assert tool.input_schema["properties"] == expected_input["properties"]
        assert tool.input_schema.get("required", []) == expected_input.get("required", [])
        assert tool.output_schema == spec.output_model.model_json_schema()


@MODES
async def test_tools_list_marks_write_tools_as_not_read_only(demo_url: str, mode: str) -> None:
    async with connect(demo_url, mode) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}

    assert tools["cancel_order"].annotations is not None
    assert tools["cancel_order"].annotations.read_only_hint is False
    assert tools["list_orders"].annotations is not None
    assert tools["list_orders"].annotations.read_only_hint is True


@MODES
async def test_tool_call_returns_the_same_structured_content_as_mcp_call(demo_url: str, mode: str) -> None:
    arguments = {"email": "ada@example.com", "limit": 2}
    async with httpx.AsyncClient(base_url=demo_url, timeout=5.0) as http:
        response = await http.post("/mcp/call", json={"tool": "list_orders", "arguments": arguments})

    async with connect(demo_url, mode) as client:
        result = await client.call_tool("list_orders", arguments)

    assert result.is_error is False
    assert result.structured_content == response.json()["result"]


@MODES
async def test_tool_error_is_an_error_result_naming_the_code(demo_url: str, mode: str) -> None:
    async with connect(demo_url, mode) as client:
        result = await client.call_tool("get_order", {"order_id": "Z-9"})

    text = error_text(result)
    assert text.startswith("NOT_FOUND: ")
    assert "order Z-9 does not exist" in text


@MODES
async def test_crash_is_an_internal_error_result_without_the_exception_text(demo_url: str, mode: str) -> None:
    async with connect(demo_url, mode) as client:
        result = await client.call_tool("explode", {})

    text = error_text(result)
    assert text.startswith("INTERNAL: ")
    assert "hunter2" not in text


@MODES
async def test_invalid_arguments_are_an_invalid_request_error_result(demo_url: str, mode: str) -> None:
    async with connect(demo_url, mode) as client:
        result = await client.call_tool("list_orders", {"email": "ada@example.com", "limit": 987654})

    text = error_text(result)
    assert text.startswith("INVALID_REQUEST: ")
    assert "limit" in text
    assert "987654" not in text
    assert "ada@example.com" not in text


@MODES
async def test_missing_required_argument_is_an_invalid_request_error_result(demo_url: str, mode: str) -> None:
    async with connect(demo_url, mode) as client:
        result = await client.call_tool("get_order", {})

    text = error_text(result)
    assert text.startswith("INVALID_REQUEST: ")
    assert "order_id" in text


async def test_mcp_tool_runs_in_the_trace_of_the_incoming_traceparent(demo_url: str) -> None:
    trace_id, span_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    request: dict[str, Any] = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {"name": "trace_echo", "arguments": {}},
    }
    headers = {**MCP_HEADERS, "traceparent": f"00-{trace_id}-{span_id}-01"}
    async with httpx.AsyncClient(timeout=5.0) as http:
        response = await http.post(f"{demo_url}/mcp", json=request, headers=headers)

    assert response.headers["x-trace-id"] == trace_id
    assert response.json()["result"]["structuredContent"] == {
        "current_trace_id": trace_id,
        "context_trace_id": trace_id,
        "context_span_id": span_id,
    }


async def test_default_config_rejects_a_foreign_host_header(demo_url: str) -> None:
    response = await post_initialize(demo_url, "orchestrator.internal:8080")

    assert response.status_code == 421


async def test_default_config_accepts_loopback_host_headers(demo_url: str) -> None:
    response = await post_initialize(demo_url, "localhost:8101")

    assert response.status_code == 200
    assert response.json()["result"]["serverInfo"]["name"] == "demo"


def test_configured_host_pattern_is_accepted_and_others_rejected(registry: ToolRegistry) -> None:
    app = create_service_app(registry, ServiceConfig(allowed_hosts=["chargebee:*"]))

    with serve(app) as url:
        accepted = httpx.post(f"{url}/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Host": "chargebee:8101"})
        rejected = httpx.post(f"{url}/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Host": "hubspot:8102"})

    assert accepted.status_code == 200
    assert accepted.json()["result"]["serverInfo"]["name"] == "demo"
    assert rejected.status_code == 421


@pytest.mark.parametrize("host", ["orchestrator.internal:8080", "chargebee", "demo-abc123-uc.a.run.app"])
def test_wildcard_host_accepts_any_host_header(registry: ToolRegistry, host: str) -> None:
    app = create_service_app(registry, ServiceConfig(allowed_hosts=["*"]))

    with serve(app) as url:
        response = httpx.post(f"{url}/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Host": host})

    assert response.status_code == 200
    assert response.json()["result"]["protocolVersion"] == "2025-06-18"
