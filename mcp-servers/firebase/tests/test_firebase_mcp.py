"""Contract: the official MCP client lists and calls the firebase service's tools over /mcp, in both protocol modes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from mcp import Client

from firebase_service.app import create_app
from firebase_service.settings import Settings
from mcp_devtools.testing import serve


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve(create_app(Settings(_env_file=None))) as base:
        yield base


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_the_mcp_client_lists_and_calls_tools_like_mcp_call(url: str, mode: str) -> None:
    async with Client(f"{url}/mcp", mode=mode) as client:
        version = client.protocol_version
        listed = await client.list_tools()
        result = await client.call_tool("get_user", {"email": "ada@example.com"})
    assert version.startswith("2026" if mode == "auto" else "2025")
    assert {tool.name for tool in listed.tools} == {"get_user", "get_app_usage"}
    assert all(tool.output_schema for tool in listed.tools)
    async with httpx.AsyncClient() as http:
        direct = (
            await http.post(f"{url}/mcp/call", json={"tool": "get_user", "arguments": {"email": "ada@example.com"}})
        ).json()
    # Sign-in times follow the clock; everything else must match exactly.
    assert not result.is_error and result.structured_content is not None
    assert result.structured_content["uid"] == direct["result"]["uid"] == "demo-ada"
    assert result.structured_content["providers"] == direct["result"]["providers"] == ["google.com", "password"]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_an_unknown_email_is_a_not_found_tool_error(url: str, mode: str) -> None:
    async with Client(f"{url}/mcp", mode=mode) as client:
        result = await client.call_tool("get_app_usage", {"email": "nobody@example.com"})
    assert result.is_error and "NOT_FOUND" in str(result.content[0])
