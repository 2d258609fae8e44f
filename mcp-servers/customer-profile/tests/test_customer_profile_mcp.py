"""Contract: the official MCP client reads a profile over /mcp, like /mcp/call."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from mcp import Client
from profile_fixtures import ADA, settings

from customer_profile_service.app import create_app
from mcp_devtools.testing import serve


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("profiles-mcp") / "profiles.db"
    with serve(create_app(settings(f"sqlite+aiosqlite:///{database}"))) as base:
        yield base


async def test_the_mcp_client_lists_and_calls_the_profile_tools(url: str) -> None:
    async with Client(f"{url}/mcp") as client:
        listed = await client.list_tools()
        result = await client.call_tool("get_profile", {"email": ADA})
        missing = await client.call_tool("get_profile", {"email": "eve@example.com"})
    async with httpx.AsyncClient() as http:
        direct = (await http.post(f"{url}/mcp/call", json={"tool": "get_profile", "arguments": {"email": ADA}})).json()
    assert {tool.name for tool in listed.tools} == {"get_profile", "update_preferences", "add_address"}
    assert not result.is_error and result.structured_content == direct["result"]
    assert missing.is_error and "NOT_FOUND" in str(missing.content[0])
