"""The orchestrator's own `/mcp` over real HTTP with the official SDK client (handshake era and 2026-07-28):
listing, `ask`, identity binding, allowlists and calls without a caller; real services on loopback."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from mcp.types import Tool
from orch_mcp_harness import (
    ADA,
    GRACE,
    INITIALIZE,
    MCP_POST_HEADERS,
    MODES,
    Mode,
    as_user,
    ask,
    connect,
    source_names,
    text_of,
    unknown_or_refused,
)

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
    assert bad.headers["www-authenticate"].startswith("Bearer")  # a 401 always names a scheme (RFC 9110)


def test_a_foreign_host_header_is_refused(orch: str) -> None:
    headers = MCP_POST_HEADERS | as_user(ADA) | {"host": "evil.example.com"}
    response = httpx.post(f"{orch}/mcp", json=INITIALIZE, headers=headers, timeout=10)
    assert 400 <= response.status_code < 500 and "result" not in response.text
