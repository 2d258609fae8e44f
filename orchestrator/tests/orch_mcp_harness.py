"""The orchestrator's own `/mcp` under test: real services and orchestrators on loopback, the SDK client, helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, CallToolResult, TextContent
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

Mode = Literal["legacy", "auto"]
MODES = pytest.mark.parametrize("mode", ["legacy", "auto"])
ADA, GRACE = "ada@example.com", "grace@example.com"
ADA_KEY, LIMITED_KEY = "k-ada", "k-limited"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "0"}},
}
MCP_POST_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


# --- helpers -------------------------------------------------------------------------------------------


@asynccontextmanager
async def connect(url: str, mode: Mode, headers: dict[str, str] | None = None) -> AsyncIterator[Client]:
    """An SDK client of `url`/mcp; `auto` must really negotiate a 2026-07-28-era version, `legacy` must not."""
    async with (
        httpx2.AsyncClient(headers=headers or {}, timeout=15) as http,
        Client(streamable_http_client(f"{url}/mcp", http_client=http), mode=mode, cache=None) as client,
    ):
        assert (client.protocol_version in MODERN_PROTOCOL_VERSIONS) is (mode == "auto")
        yield client


def as_user(email: str) -> dict[str, str]:
    return {"X-User-Email": email}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def tool_names(url: str, mode: Mode, headers: dict[str, str] | None = None) -> list[str]:
    async with connect(url, mode, headers) as client:
        return [tool.name for tool in (await client.list_tools()).tools]


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


def source_names(sources: list[dict[str, Any]]) -> list[str]:
    return [f"{source['service']}.{source['tool']}" for source in sources]


async def ask(client: Client, question: str) -> dict[str, Any]:
    result = await client.call_tool("ask", {"question": question})
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    return dict(result.structured_content)


async def unknown_or_refused(client: Client, name: str, arguments: dict[str, Any]) -> str:
    """Call a tool that must not run; returns the error text (a JSON-RPC error or an error result)."""
    try:
        result = await client.call_tool(name, arguments)
    except MCPError as exc:
        code, message = exc.code, exc.message
    else:
        assert result.is_error and result.structured_content is None, result
        return text_of(result)
    assert code == INVALID_PARAMS
    return message
