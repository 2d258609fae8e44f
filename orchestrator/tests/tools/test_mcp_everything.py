"""The reference server `@modelcontextprotocol/server-everything` (npm), over stdio and over Streamable HTTP,
as a tool source: its tools called through the orchestrator's /mcp and planned for /query."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from mcp_devtools.emulators import McpNodeTools
from mcp_devtools.testing import free_port, serve, wait_listening
from orchestrator.app import create_app
from orchestrator.settings import Settings

# Never offered: get-env prints the server's environment, gzip-file-as-resource fetches from the internet.
HIDDEN = {"get-env": {"enabled": False}, "gzip-file-as-resource": {"enabled": False}}
WEATHER = {"get-structured-content": {"examples": ["what is the weather in Chicago"]}}


@pytest.fixture(scope="module", params=["stdio", "http"])
def everything(request: pytest.FixtureRequest, mcp_node: McpNodeTools) -> Iterator[dict[str, Any]]:
    """The server's configuration entry; over HTTP the server runs for the module."""
    tools = {**HIDDEN, **WEATHER}
    if request.param == "stdio":
        yield {"transport": "stdio", "command": str(mcp_node.node), "args": [str(mcp_node.everything), "stdio"],
               "tools": tools}  # fmt: skip
        return
    port = free_port()
    env = {"PATH": os.environ.get("PATH", ""), "PORT": str(port), "HOME": str(Path(request.config.rootpath))}
    process = subprocess.Popen(
        [str(mcp_node.node), str(mcp_node.everything), "streamableHttp"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        wait_listening(port)
        yield {"transport": "http", "url": f"http://127.0.0.1:{port}/mcp", "tools": tools}
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def orchestrator(everything: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    state = tmp_path_factory.mktemp("everything") / "state.sqlite3"
    settings = Settings(services={}, mcp_servers={"everything": everything}, state_path=str(state))
    with serve(create_app(settings), timeout_s=60) as url:
        yield url


async def _call(url: str, tool: str, arguments: dict[str, Any]) -> Any:
    http = httpx2.AsyncClient(headers={"X-User-Email": "ada@example.com"})
    async with Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client:
        return await client.call_tool(tool, arguments)


async def test_a_text_tool_is_called_through_the_orchestrators_mcp(orchestrator: str) -> None:
    result = await _call(orchestrator, "everything.echo", {"message": "hello from the catalog"})
    assert not result.is_error
    assert result.structured_content == {"text": "Echo: hello from the catalog"}


async def test_arguments_are_validated_against_the_servers_schema_before_any_call(orchestrator: str) -> None:
    result = await _call(orchestrator, "everything.get-sum", {"a": 2, "b": "three"})
    assert result.is_error and result.content[0].text.startswith("INVALID_REQUEST")
    result = await _call(orchestrator, "everything.get-sum", {"a": 2, "b": 3})
    assert not result.is_error and "5" in result.structured_content["text"]


def test_a_question_is_planned_onto_a_third_party_tool(orchestrator: str) -> None:
    response = httpx.post(
        f"{orchestrator}/query",
        json={"query": "what is the weather in Chicago?", "email": "ada@example.com"},
        timeout=30,
    )
    body = response.json()
    assert [(s["service"], s["tool"], s["status"]) for s in body["sources"]] == [
        ("everything", "get-structured-content", "ok")
    ]
    assert "temperature: 36" in body["answer"] and "Light rain" in body["answer"]


def test_hidden_and_writing_tools_are_not_offered(orchestrator: str) -> None:
    health = httpx.get(f"{orchestrator}/health", timeout=10).json()
    assert health["services"]["everything"]["status"] == "ok"
    listing = httpx.post(
        f"{orchestrator}/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
        headers={"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"},
        timeout=10,
    ).json()
    names = {tool["name"] for tool in listing["result"]["tools"]}
    assert {"everything.echo", "everything.get-sum", "everything.get-structured-content"} <= names
    assert not names & {"everything.get-env", "everything.gzip-file-as-resource"}
    assert "everything.toggle-simulated-logging" not in names  # not read-only: not offered by default
