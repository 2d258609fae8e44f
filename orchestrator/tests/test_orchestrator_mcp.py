"""The orchestrator's own `/mcp` over real HTTP: the official SDK client (handshake era and 2026-07-28),
plain HTTP for what happens before MCP, and the MCP Inspector CLI; real services on loopback."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, Literal, cast

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, CallToolResult, TextContent, Tool
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from starlette.applications import Starlette

from chargebee_service.app import create_app as billing_app
from chargebee_service.settings import Settings as BillingSettings
from customer_profile_service.app import create_app as profile_app
from customer_profile_service.settings import Settings as ProfileSettings
from hubspot_service.app import create_app as crm_app
from hubspot_service.settings import Settings as CrmSettings
from mcp_common.emulators import McpNodeTools
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.mcp_server import mcp_routes
from mcp_common.testing import serve
from orchestrator.api.mcp import McpCallerMiddleware, OrchestratorMcpServer
from orchestrator.app import create_app
from orchestrator.caller import Caller
from orchestrator.engine import Engine
from orchestrator.execution import Executor
from orchestrator.settings import Settings

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


# --- servers -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """chargebee and hubspot (read tools only) plus customer_profile (which has write tools)."""
    profiles_db = tmp_path_factory.mktemp("profiles") / "profiles.db"
    with (
        serve(billing_app(BillingSettings())) as billing,
        serve(crm_app(CrmSettings())) as crm,
        serve(profile_app(ProfileSettings(database_url=f"sqlite+aiosqlite:///{profiles_db}"))) as profiles,
    ):
        yield {"chargebee": billing, "hubspot": crm, "customer_profile": profiles}


@pytest.fixture(scope="module")
def listings(services: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Every service tool as the services list them (`GET /mcp/tools`), by namespaced name."""
    return {
        f"{service}.{tool['name']}": tool
        for service, url in services.items()
        for tool in httpx.get(f"{url}/mcp/tools", timeout=10).json()["tools"]
    }


@contextmanager
def orchestrator(services: dict[str, str], **settings: Any) -> Iterator[str]:
    with serve(create_app(Settings(services=services, state_backend="memory", **settings))) as url:
        yield url


@pytest.fixture(scope="module")
def orch(services: dict[str, str]) -> Iterator[str]:
    """Default settings: catalog tools `read`, every tool allowed, no API keys."""
    with orchestrator(services) as url:
        yield url


@pytest.fixture(scope="module")
def orch_all(services: dict[str, str]) -> Iterator[str]:
    with orchestrator(services, mcp_catalog_tools="all") as url:
        yield url


@pytest.fixture(scope="module")
def orch_none(services: dict[str, str]) -> Iterator[str]:
    with orchestrator(services, mcp_catalog_tools="none") as url:
        yield url


@pytest.fixture(scope="module")
def orch_billing_only(services: dict[str, str]) -> Iterator[str]:
    with orchestrator(services, allowed_tools=["chargebee.*"]) as url:
        yield url


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@pytest.fixture(scope="module")
def orch_keyed(services: dict[str, str]) -> Iterator[str]:
    keys = {
        sha256(ADA_KEY): {"email": ADA},
        sha256(LIMITED_KEY): {"email": GRACE, "allowed_tools": ["hubspot.*"]},
    }
    with orchestrator(services, mcp_api_keys=keys) as url:
        yield url


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


# --- 1. listing -----------------------------------------------------------------------------------------


@MODES
async def test_the_listing_is_ask_plus_the_read_catalog_tools_by_default(
    orch: str, listings: dict[str, dict[str, Any]], mode: Mode
) -> None:
    reads = sorted(name for name, tool in listings.items() if not tool["writes"])
    assert "customer_profile.add_address" in listings and "customer_profile.add_address" not in reads
    async with connect(orch, mode, as_user(ADA)) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert sorted(tools) == sorted(["ask", *reads])
        assert "chargebee.get_subscription" in tools and "hubspot.list_tickets" in tools
        ask_tool = tools["ask"]
        assert ask_tool.input_schema["required"] == ["question"]
        assert ask_tool.output_schema is not None
        assert {"answer", "sources", "confidence"} <= set(ask_tool.output_schema["properties"])
        for name in reads:
            assert_identity_hidden(tools[name], listings[name])
            annotations = tools[name].annotations
            assert annotations is not None and annotations.read_only_hint is True
        # Not listed, not callable either.
        message = await unknown_or_refused(client, "customer_profile.update_preferences", {"allergens": ["soy"]})
        assert "customer_profile.update_preferences" in message


def assert_identity_hidden(listed: Tool, original: dict[str, Any]) -> None:
    identity = set(original["identity_args"])
    assert identity == {"email"}
    properties = set(listed.input_schema.get("properties", {}))
    required = set(listed.input_schema.get("required", []))
    assert not identity & properties and not identity & required, listed.name
    # Everything else the service asks for is kept.
    assert properties == set(original["input_schema"]["properties"]) - identity
    assert required == set(original["input_schema"].get("required", [])) - identity


@MODES
async def test_all_adds_the_write_tools_without_their_identity_arguments(
    orch_all: str, listings: dict[str, dict[str, Any]], mode: Mode
) -> None:
    writes = sorted(name for name, tool in listings.items() if tool["writes"])
    assert writes == ["customer_profile.add_address", "customer_profile.update_preferences"]
    async with connect(orch_all, mode, as_user(ADA)) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert sorted(tools) == sorted(["ask", *listings])
    for name in listings:
        assert_identity_hidden(tools[name], listings[name])
        annotations = tools[name].annotations
        assert annotations is not None and annotations.read_only_hint is (not listings[name]["writes"])
    assert sorted(tools["customer_profile.add_address"].input_schema["required"]) == [
        "city",
        "label",
        "line1",
        "postcode",
    ]


@MODES
async def test_none_lists_and_calls_only_ask(orch_none: str, mode: Mode) -> None:
    async with connect(orch_none, mode, as_user(ADA)) as client:
        assert [tool.name for tool in (await client.list_tools()).tools] == ["ask"]
        await unknown_or_refused(client, "chargebee.get_subscription", {})
        assert "pro-monthly" in (await ask(client, "what plan am I on?"))["answer"]


async def test_a_write_tool_called_through_mcp_changes_only_the_callers_profile(orch_all: str) -> None:
    async with connect(orch_all, "auto", as_user(ADA)) as client:
        result = await client.call_tool(
            "customer_profile.update_preferences", {"email": GRACE, "favourite_cuisines": ["thai"]}
        )
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    assert result.structured_content["email"] == ADA and result.structured_content["favourite_cuisines"] == ["thai"]
    async with connect(orch_all, "legacy", as_user(GRACE)) as client:
        grace = await client.call_tool("customer_profile.get_profile", {})
    assert grace.structured_content is not None and grace.structured_content["email"] == GRACE
    assert "thai" not in grace.structured_content["favourite_cuisines"]


# --- 2. ask ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "email", "question", "expected"),
    [
        ("legacy", ADA, "what plan am I on and do I have open tickets?", "pro-monthly"),
        ("auto", ADA, "do I have unpaid invoices and who is my account owner?", "invoice"),
        ("auto", GRACE, "when does my trial end?", "trial"),
    ],
)
async def test_ask_answers_as_query_does_for_the_same_caller(
    orch: str, orch_keyed: str, mode: Mode, email: str, question: str, expected: str
) -> None:
    async with connect(orch, mode, as_user(email)) as client:
        answer = await ask(client, question)
    # /query of another instance with the same services and allowlist (API keys only concern /mcp), so
    # neither answer comes from the other's answer cache.
    async with httpx.AsyncClient(timeout=15) as http:
        body = (await http.post(f"{orch_keyed}/query", json={"query": question, "email": email})).json()
    assert answer["cached"] is False and body["cached"] is False
    assert answer["answer"] == body["answer"] and expected in answer["answer"]
    assert source_names(answer["sources"]) == source_names(body["sources"]) != []
    assert all(source["status"] == "ok" for source in answer["sources"])
    assert answer["confidence"] == body["confidence"] and 0.5 < answer["confidence"] <= 1.0


@MODES
async def test_ask_rejects_a_blank_question(orch: str, mode: Mode) -> None:
    async with connect(orch, mode, as_user(ADA)) as client:
        result = await client.call_tool("ask", {"question": "   "})
    assert result.is_error and text_of(result) == "INVALID_REQUEST: question must not be blank"


@MODES
async def test_ask_names_a_bad_argument_without_echoing_it(orch: str, mode: Mode) -> None:
    secret = "my card is 4111 1111 1111 1111 " * 100  # over the 2000-character limit
    async with connect(orch, mode, as_user(ADA)) as client:
        long = await client.call_tool("ask", {"question": secret})
        wrong_type = await client.call_tool("ask", {"question": 42})
    for result in (long, wrong_type):
        assert result.is_error and result.structured_content is None
        assert text_of(result).startswith("INVALID_REQUEST: invalid arguments: question"), text_of(result)
        assert "4111" not in text_of(result) and "42" not in text_of(result)


# --- 3. identity binding --------------------------------------------------------------------------------


@MODES
async def test_a_catalog_tool_acts_for_the_caller_whatever_email_is_sent(orch: str, mode: Mode) -> None:
    async with connect(orch, mode, as_user(ADA)) as client:
        spoofed = await client.call_tool("chargebee.get_subscription", {"email": GRACE})
        plain = await client.call_tool("chargebee.get_subscription", {})
    for result in (spoofed, plain):
        assert not result.is_error, text_of(result)
        assert result.structured_content is not None
        assert result.structured_content["customer_id"] == "cb_ada"
        assert result.structured_content["current"]["plan_id"] == "pro-monthly"
        assert json.loads(text_of(result)) == result.structured_content
        assert "cb_grace" not in text_of(result) and "in_trial" not in text_of(result)
    async with connect(orch, mode, as_user(GRACE)) as client:
        grace = await client.call_tool("chargebee.get_subscription", {"email": ADA})
    assert grace.structured_content is not None and grace.structured_content["current"]["status"] == "in_trial"


async def test_concurrent_callers_each_get_their_own_data(orch: str) -> None:
    async def plan_of(email: str, mode: Mode) -> str:
        async with connect(orch, mode, as_user(email)) as client:
            result = await client.call_tool("chargebee.get_subscription", {"email": ADA if email == GRACE else GRACE})
        assert result.structured_content is not None
        return str(result.structured_content["current"]["status"])

    callers: list[tuple[str, Mode]] = [(ADA, "auto"), (GRACE, "legacy"), (GRACE, "auto"), (ADA, "legacy")] * 3
    statuses = await asyncio.gather(*(plan_of(email, mode) for email, mode in callers))
    assert statuses == ["active" if email == ADA else "in_trial" for email, _ in callers]


@MODES
async def test_a_catalog_tool_call_checks_the_other_arguments(orch: str, mode: Mode) -> None:
    async with connect(orch, mode, as_user(ADA)) as client:
        result = await client.call_tool("chargebee.list_invoices", {"limit": 0})
    assert result.is_error and "INVALID_REQUEST" in text_of(result)


# --- 4. allowlist ---------------------------------------------------------------------------------------


@MODES
async def test_the_allowlist_hides_and_refuses_other_tools(orch_billing_only: str, mode: Mode) -> None:
    async with connect(orch_billing_only, mode, as_user(ADA)) as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
        assert names == ["ask", "chargebee.get_customer", "chargebee.get_subscription", "chargebee.list_invoices"]
        message = await unknown_or_refused(client, "hubspot.list_tickets", {})
        assert "hubspot.list_tickets" in message and "HIGH" not in message
        answer = await ask(client, "what plan am I on and do I have open tickets?")
    assert source_names(answer["sources"]) == ["chargebee.get_subscription"]
    assert "HIGH priority" not in answer["answer"]


# --- 5. no caller ---------------------------------------------------------------------------------------


@MODES
async def test_without_a_caller_listing_works_but_calls_are_unauthenticated(orch: str, mode: Mode) -> None:
    async with connect(orch, mode) as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
        assert "ask" in names and "chargebee.get_subscription" in names
        answer = await client.call_tool("ask", {"question": "what plan am I on?"})
        tool = await client.call_tool("chargebee.get_subscription", {"email": ADA})
    for result in (answer, tool):
        assert result.is_error and result.structured_content is None
        assert text_of(result).startswith("UNAUTHENTICATED: ") and "pro-monthly" not in text_of(result)


def test_an_x_user_email_that_is_not_an_email_is_a_401_before_mcp(orch: str) -> None:
    good = httpx.post(f"{orch}/mcp", json=INITIALIZE, headers=MCP_POST_HEADERS | as_user(ADA), timeout=10)
    assert good.status_code == 200 and good.json()["result"]["serverInfo"]["name"] == "mcp-orchestrator"
    bad = httpx.post(f"{orch}/mcp", json=INITIALIZE, headers=MCP_POST_HEADERS | as_user("ada"), timeout=10)
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "UNAUTHENTICATED" and "jsonrpc" not in bad.json()
    assert "www-authenticate" not in bad.headers  # no bearer scheme to offer without keys


def test_a_foreign_host_header_is_refused(orch: str) -> None:
    headers = MCP_POST_HEADERS | as_user(ADA) | {"host": "evil.example.com"}
    response = httpx.post(f"{orch}/mcp", json=INITIALIZE, headers=headers, timeout=10)
    assert 400 <= response.status_code < 500 and "result" not in response.text


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
async def test_the_token_names_the_caller_and_the_email_header_is_ignored(
    orch_keyed: str, mode: Mode, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with connect(orch_keyed, mode, bearer(ADA_KEY) | as_user(GRACE)) as client:
        answer = await ask(client, "what plan am I on?")
        subscription = await client.call_tool("chargebee.get_subscription", {"email": GRACE})
    assert "pro-monthly" in answer["answer"] and "trial" not in answer["answer"]
    assert subscription.structured_content is not None
    assert subscription.structured_content["current"]["plan_id"] == "pro-monthly"
    assert caplog.records, "nothing was logged: the check below would prove nothing"
    assert ADA_KEY not in caplog.text


@MODES
async def test_a_key_with_its_own_allowlist_sees_only_those_tools(orch_keyed: str, mode: Mode) -> None:
    async with connect(orch_keyed, mode, bearer(LIMITED_KEY) | as_user(ADA)) as client:
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

    async def query(self, question: str, caller: Caller) -> None:
        raise ServiceError(ErrorCode.RATE_LIMITED, f"{caller.email} asked too often")


async def test_an_engine_error_reaches_the_client_as_its_code_and_message() -> None:
    server = OrchestratorMcpServer(Settings(services={}, state_backend="memory"))
    server.bind(cast(Engine, _RefusingEngine()), cast(Executor, None))
    app = Starlette(routes=mcp_routes(server, ["127.0.0.1:*"]), lifespan=lambda _: server.session_manager.run())
    with serve(McpCallerMiddleware(app, server.config)) as url:
        async with connect(url, "legacy", as_user(ADA)) as client:
            result = await client.call_tool("ask", {"question": "what plan am I on?"})
    assert result.is_error and text_of(result) == f"RATE_LIMITED: {ADA} asked too often"
