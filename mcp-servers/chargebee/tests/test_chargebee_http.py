"""The service over HTTP: `/mcp/tools`, `/mcp/call` in process, and `/mcp` on a real port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from chargebee_service.app import create_app
from chargebee_service.backends.demo import DemoBilling
from chargebee_service.settings import Settings
from mcp_devtools.testing import check_person_read_tools, serve

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TOOLS = {"get_customer", "get_subscription", "list_invoices"}


def _settings() -> Settings:
    return Settings(_env_file=None, backend="demo")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(_settings(), backend=DemoBilling(clock=lambda: NOW))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://127.0.0.1") as http:
        yield http


async def _call(client: httpx.AsyncClient, tool: str, arguments: dict[str, Any], **context: Any) -> Any:
    response = await client.post("/mcp/call", json={"tool": tool, "arguments": arguments, "context": context})
    return response.json()


async def test_caller_asking_for_another_persons_billing_is_forbidden(client: httpx.AsyncClient) -> None:
    body = await _call(client, "list_invoices", {"email": "ada@example.com"}, caller="linus@example.com")

    assert body["ok"] is False
    assert body["error"]["code"] == "FORBIDDEN"
    assert "result" not in body


async def test_caller_reads_their_own_billing_whatever_the_case_of_the_email(client: httpx.AsyncClient) -> None:
    body = await _call(client, "get_subscription", {"email": "Grace@Example.com"}, caller="grace@example.COM")

    assert body["ok"] is True
    assert body["result"]["current"]["status"] == "in_trial"


async def test_amounts_travel_as_exact_decimal_strings(client: httpx.AsyncClient) -> None:
    body = await _call(client, "list_invoices", {"email": "ada@example.com", "status": "unpaid"})

    assert body["result"]["total_due"] == "49.00"
    assert body["result"]["invoices"][0]["amount_due"] == "49.00"


@pytest.mark.parametrize(
    "arguments",
    [{"email": "not-an-email"}, {}, {"email": "ada@example.com", "limit": 0},
     {"email": "ada@example.com", "limit": 101}, {"email": "ada@example.com", "status": "overdue"}],
)  # fmt: skip
async def test_bad_arguments_are_invalid_requests(client: httpx.AsyncClient, arguments: dict[str, Any]) -> None:
    body = await _call(client, "list_invoices", arguments)

    assert (body["ok"], body["error"]["code"]) == (False, "INVALID_REQUEST")


async def test_tools_are_listed_read_only_bound_to_the_caller_with_distinct_examples(
    client: httpx.AsyncClient,
) -> None:
    tools = check_person_read_tools((await client.get("/mcp/tools")).json(), "chargebee", TOOLS)
    assert tools["get_subscription"]["cache_ttl_s"] > tools["list_invoices"]["cache_ttl_s"]


def test_mcp_clients_can_list_and_call_the_tools_on_a_real_port() -> None:
    app = create_app(_settings(), backend=DemoBilling(clock=lambda: NOW))
    headers = {"Accept": "application/json, text/event-stream"}
    call = {"name": "get_subscription", "arguments": {"email": "linus@example.com"}}
    with serve(app) as url:
        listed = httpx.post(f"{url}/mcp", headers=headers, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        called = httpx.post(
            f"{url}/mcp", headers=headers, json={"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": call}
        )

    assert {tool["name"] for tool in listed.json()["result"]["tools"]} == TOOLS
    assert called.json()["result"]["structuredContent"]["current"]["status"] == "cancelled"
