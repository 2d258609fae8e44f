"""Contract: the official MCP client lists and calls `track_order` over /mcp, in both protocol modes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from mcp import Client
from tracking_world import serve_order_world, serve_tracking, tracking_settings

from mcp_common.clock import ManualClock


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("tracking-mcp")
    clock = ManualClock()
    with serve_order_world(workdir / "order.db", clock, seed_demo=True) as order_url:
        settings = tracking_settings(f"sqlite+aiosqlite:///{workdir / 'tracking.db'}", order_url)
        with serve_tracking(settings, clock) as base:
            yield base


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_the_mcp_client_lists_and_calls_track_order(url: str, mode: str) -> None:
    async with Client(f"{url}/mcp", mode=mode) as client:
        listed = await client.list_tools()
        result = await client.call_tool("track_order", {"order_id": "ord-000000000000"})
    async with httpx.AsyncClient() as http:
        direct = (
            await http.post(f"{url}/mcp/call", json={"tool": "track_order", "arguments": {"order_id": "x"}})
        ).json()

    assert [tool.name for tool in listed.tools] == ["track_order"]
    assert listed.tools[0].output_schema
    assert result.is_error and "FORBIDDEN" in str(result.content[0])
    assert direct["error"]["code"] == "FORBIDDEN"
