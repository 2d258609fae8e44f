"""The orchestrator's own `/mcp`: API keys, the MCP Inspector CLI, and engine errors as MCP tool errors."""

from __future__ import annotations

import json
import logging
import os
import subprocess
from pathlib import Path
from typing import cast

import httpx
import pytest
from orch_mcp_harness import (
    ADA,
    ADA_KEY,
    GRACE,
    INITIALIZE,
    LIMITED_KEY,
    MCP_POST_HEADERS,
    MODES,
    Mode,
    as_user,
    ask,
    bearer,
    connect,
    source_names,
    text_of,
    tool_names,
    unknown_or_refused,
)
from starlette.applications import Starlette

from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.mcp_server import mcp_routes
from mcp_devtools.emulators import McpNodeTools
from mcp_devtools.testing import serve
from orchestrator.api.mcp import OrchestratorMcpServer
from orchestrator.api.mcp_caller import McpCallerMiddleware
from orchestrator.core.engine import Engine
from orchestrator.core.requests import Request
from orchestrator.security.caller import Caller
from orchestrator.security.identity import Callers
from orchestrator.settings import Settings

# --- 6. API keys ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("k-wrong"), {"Authorization": f"Basic {ADA_KEY}"}, {"Authorization": "Bearer"}, as_user(ADA)],
    ids=["none", "wrong-token", "not-bearer", "empty", "email-header-only"],
)
def test_with_api_keys_a_missing_or_wrong_token_is_a_401(
    orch_keyed: str, headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = httpx.post(f"{orch_keyed}/mcp", json=INITIALIZE, headers=MCP_POST_HEADERS | headers, timeout=10)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].lower().startswith("bearer")
    assert response.json()["error"]["code"] == "UNAUTHENTICATED"
    assert "k-wrong" not in caplog.text and ADA_KEY not in caplog.text


def test_with_api_keys_a_good_token_passes_plain_http(orch_keyed: str) -> None:
    response = httpx.post(f"{orch_keyed}/mcp", json=INITIALIZE, headers=MCP_POST_HEADERS | bearer(ADA_KEY), timeout=10)
    assert response.status_code == 200 and "result" in response.json()


@MODES
async def test_the_token_names_the_caller_and_an_email_header_naming_another_is_forbidden(
    orch_keyed: str, mode: Mode, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with connect(orch_keyed, mode, bearer(ADA_KEY)) as client:
        answer = await ask(client, "what plan am I on?")
        subscription = await client.call_tool("chargebee.get_subscription", {"email": GRACE})
    assert "pro-monthly" in answer["answer"] and "trial" not in answer["answer"]
    assert subscription.structured_content is not None
    assert subscription.structured_content["current"]["plan_id"] == "pro-monthly"
    assert caplog.records, "nothing was logged: the check below would prove nothing"
    assert ADA_KEY not in caplog.text
    async with httpx.AsyncClient(timeout=10) as http:
        refused = await http.post(
            f"{orch_keyed}/mcp", json=INITIALIZE, headers=MCP_POST_HEADERS | bearer(ADA_KEY) | as_user(GRACE)
        )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "FORBIDDEN"


@MODES
async def test_a_key_with_its_own_allowlist_sees_only_those_tools(orch_keyed: str, mode: Mode) -> None:
    async with connect(orch_keyed, mode, bearer(LIMITED_KEY)) as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
        assert names == ["ask", "hubspot.get_contact", "hubspot.list_deals", "hubspot.list_tickets"]
        await unknown_or_refused(client, "chargebee.get_subscription", {})
        contact = await client.call_tool("hubspot.get_contact", {"email": ADA})
        answer = await ask(client, "what plan am I on and do I have open tickets?")
    assert contact.structured_content is not None
    assert GRACE in json.dumps(contact.structured_content) and ADA not in json.dumps(contact.structured_content)
    assert "chargebee.get_subscription" not in source_names(answer["sources"])
    assert "pro-monthly" not in answer["answer"]


async def test_the_unrestricted_key_sees_the_deployments_tools(orch_keyed: str, orch: str) -> None:
    assert await tool_names(orch_keyed, "auto", bearer(ADA_KEY)) == await tool_names(orch, "auto", as_user(ADA))


# --- 7. MCP Inspector CLI -------------------------------------------------------------------------------


def inspector(mcp_node: McpNodeTools, home: Path, url: str, era: str, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [str(mcp_node.node), str(mcp_node.inspector), f"{url}/mcp", "--transport", "http"]
    argv += ["--protocol-era", era, "--format", "json", *args, "--header", f"X-User-Email: {ADA}"]
    env = {**os.environ, "HOME": str(home)}
    env.pop("MCP_CATALOG_PATH", None)
    env.pop("MCP_CLIENT_CONFIG_PATH", None)
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env, cwd=home, check=False)


@pytest.mark.parametrize("era", ["legacy", "auto"])
def test_the_mcp_inspector_cli_lists_and_asks(mcp_node: McpNodeTools, orch: str, tmp_path: Path, era: str) -> None:
    listed = inspector(mcp_node, tmp_path, orch, era, "--method", "tools/list")
    assert listed.returncode == 0, listed.stderr
    tools = {tool["name"]: tool for tool in json.loads(listed.stdout)["result"]["tools"]}
    assert "ask" in tools and "chargebee.get_subscription" in tools
    assert "email" not in tools["chargebee.get_subscription"]["inputSchema"].get("properties", {})

    question = json.dumps({"question": "what plan am I on?"})
    called = inspector(
        mcp_node, tmp_path, orch, era, "--method", "tools/call", "--tool-name", "ask", "--tool-args-json", question
    )
    assert called.returncode == 0, called.stderr
    result = json.loads(called.stdout)["result"]
    assert result.get("isError") in (None, False)
    assert "pro-monthly" in result["structuredContent"]["answer"]
    assert "pro-monthly" in result["content"][0]["text"]


def test_the_mcp_inspector_cli_exits_5_on_a_tool_error(mcp_node: McpNodeTools, orch: str, tmp_path: Path) -> None:
    blank = json.dumps({"question": "  "})
    called = inspector(
        mcp_node, tmp_path, orch, "legacy", "--method", "tools/call", "--tool-name", "ask", "--tool-args-json", blank
    )
    assert called.returncode == 5, (called.stdout, called.stderr)
    assert "INVALID_REQUEST" in called.stdout + called.stderr


# --- 7. errors of the engine --------------------------------------------------------------------------


class _RefusingEngine:
    """Stands in for an engine whose query fails with a `ServiceError` (none of the real paths do today)."""

    async def handle(self, request: Request, caller: Caller) -> None:
        raise ServiceError(ErrorCode.RATE_LIMITED, f"{caller.email} asked too often")


async def test_an_engine_error_reaches_the_client_as_its_code_and_message() -> None:
    server = OrchestratorMcpServer(Settings(services={}, state_backend="memory"))
    server.bind(cast(Engine, _RefusingEngine()))
    app = Starlette(routes=mcp_routes(server, ["127.0.0.1:*"]), lifespan=lambda _: server.session_manager.run())
    with serve(McpCallerMiddleware(app, Callers(server.config))) as url:
        async with connect(url, "legacy", as_user(ADA)) as client:
            result = await client.call_tool("ask", {"question": "what plan am I on?"})
    assert result.is_error and text_of(result) == f"RATE_LIMITED: {ADA} asked too often"
