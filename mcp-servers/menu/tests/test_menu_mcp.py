"""Contract: the official MCP client lists and calls the menu tools over /mcp, like /mcp/call."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from mcp import Client
from menu_fixtures import settings

from mcp_devtools.testing import serve
from menu_service.app import create_app


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("menu-mcp") / "menu.db"
    with serve(create_app(settings(f"sqlite+aiosqlite:///{database}"))) as base:
        yield base


async def test_the_mcp_client_lists_and_calls_the_menu_tools(url: str) -> None:
    arguments = {"category": "pizza", "dietary": ["gluten-free"]}
    async with Client(f"{url}/mcp") as client:
        listed = await client.list_tools()
        result = await client.call_tool("search_menu", arguments)
        missing = await client.call_tool("get_item", {"item_id": "m-99"})
    async with httpx.AsyncClient() as http:
        direct = (await http.post(f"{url}/mcp/call", json={"tool": "search_menu", "arguments": arguments})).json()
    assert {tool.name for tool in listed.tools} == {"search_menu", "get_item", "get_items", "list_categories"}
    assert all(tool.output_schema for tool in listed.tools)
    assert not result.is_error and result.structured_content == direct["result"]
    assert missing.is_error and "NOT_FOUND" in str(missing.content[0])
