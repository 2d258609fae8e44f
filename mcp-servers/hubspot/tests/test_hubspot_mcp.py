"""Contract: the official MCP client lists and calls the hubspot service's tools over /mcp, in both protocol modes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from mcp import Client

from hubspot_service.app import create_app
from hubspot_service.settings import Settings
from mcp_devtools.testing import serve


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve(create_app(Settings())) as base:
        yield base


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_the_mcp_client_lists_and_calls_tools_like_mcp_call(url: str, mode: str) -> None:
    async with Client(f"{url}/mcp", mode=mode) as client:
        version = client.protocol_version
        listed = await client.list_tools()
        result = await client.call_tool("list_tickets", {"email": "ada@example.com"})
    assert version.startswith("2026" if mode == "auto" else "2025")
    assert {tool.name for tool in listed.tools} == {"get_contact", "list_deals", "list_tickets"}
    assert all(tool.output_schema for tool in listed.tools)
    async with httpx.AsyncClient() as http:
        direct = (
            await http.post(f"{url}/mcp/call", json={"tool": "list_tickets", "arguments": {"email": "ada@example.com"}})
        ).json()
    assert not result.is_error and result.structured_content == direct["result"]
    assert result.structured_content is not None and "open_count" in result.structured_content


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_an_unknown_email_is_a_not_found_tool_error(url: str, mode: str) -> None:
    async with Client(f"{url}/mcp", mode=mode) as client:
        result = await client.call_tool("list_tickets", {"email": "nobody@example.com"})
    assert result.is_error and "NOT_FOUND" in str(result.content[0])
