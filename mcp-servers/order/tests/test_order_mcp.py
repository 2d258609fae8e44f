"""Contract: the official MCP client lists and calls the order service's tools over /mcp, in both protocol modes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mcp import Client
from order_world import ADA, order_settings, serve_order, serve_peers

from mcp_common.clock import ManualClock


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = Path(tmp_path_factory.mktemp("order-mcp")) / "order.db"
    with serve_peers() as peers:
        settings = order_settings(f"sqlite+aiosqlite:///{database}", peers, seed_demo=True)
        with serve_order(settings, ManualClock()) as base:
            yield base


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_the_mcp_client_lists_and_calls_tools_like_mcp_call(url: str, mode: str) -> None:
    async with Client(f"{url}/mcp", mode=mode) as client:
        listed = await client.list_tools()
        result = await client.call_tool("list_orders", {"email": ADA, "limit": 3})
    async with httpx.AsyncClient() as http:
        direct = (
            await http.post(f"{url}/mcp/call", json={"tool": "list_orders", "arguments": {"email": ADA, "limit": 3}})
        ).json()

    assert {tool.name for tool in listed.tools} == {
        "create_order",
        "quote_order",
        "get_order",
        "list_orders",
        "cancel_order",
    }
    assert all(tool.output_schema for tool in listed.tools)
    assert not result.is_error and result.structured_content == direct["result"]
    assert result.structured_content is not None and len(result.structured_content["orders"]) == 3


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_get_order_without_a_caller_is_a_forbidden_tool_error(url: str, mode: str) -> None:
    async with Client(f"{url}/mcp", mode=mode) as client:
        result = await client.call_tool("get_order", {"order_id": "ord-000000000000"})

    assert result.is_error and "FORBIDDEN" in str(result.content[0])
