"""Contract: the official MCP client lists and calls `recommend` over /mcp, in both protocol modes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mcp import Client
from recommendations_fakes import serve_downstreams
from recommendations_harness import Served, serve_recommendations


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    database: Path = tmp_path_factory.mktemp("recommendations-mcp") / "service.db"
    with (
        serve_downstreams() as downstreams,
        # No rotation: the same question gets the same answer on both transports.
        serve_recommendations(downstreams, f"sqlite:///{database}", variety_window_hours=0) as app,
    ):
        yield app


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_the_mcp_client_lists_and_calls_recommend_like_mcp_call(served: Served, mode: str) -> None:
    arguments = {"email": "ada@example.com", "context": "tonight"}
    async with Client(f"{served.url}/mcp", mode=mode) as client:
        version = client.protocol_version
        listed = await client.list_tools()
        result = await client.call_tool("recommend", arguments)
    async with httpx.AsyncClient(base_url=served.url) as http:
        direct = (await http.post("/mcp/call", json={"tool": "recommend", "arguments": arguments})).json()

    assert version.startswith("2026" if mode == "auto" else "2025")
    assert [tool.name for tool in listed.tools] == ["recommend"]
    assert listed.tools[0].output_schema
    assert not result.is_error and result.structured_content == direct["result"]
    assert result.structured_content is not None and len(result.structured_content["items"]) == 5


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_an_unknown_customer_is_a_not_found_tool_error(served: Served, mode: str) -> None:
    async with Client(f"{served.url}/mcp", mode=mode) as client:
        result = await client.call_tool("recommend", {"email": "nobody@example.com"})

    assert result.is_error and "NOT_FOUND" in str(result.content[0])
