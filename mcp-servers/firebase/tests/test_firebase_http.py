"""The service over HTTP: `/mcp/tools`, `/mcp/call` in process, and `/mcp` on a real port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from firebase_service.app import create_app
from firebase_service.backends.demo import DemoAppUsers
from firebase_service.settings import Settings
from mcp_common.clock import ManualClock
from mcp_devtools.testing import check_person_read_tools, serve

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TOOLS = {"get_user", "get_app_usage"}


def _app() -> Any:
    clock = ManualClock(NOW)
    return create_app(Settings(_env_file=None, backend="demo"), backend=DemoAppUsers(clock=clock), clock=clock)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(_app()), base_url="http://127.0.0.1") as http:
        yield http


async def _call(client: httpx.AsyncClient, tool: str, arguments: dict[str, Any], **context: Any) -> Any:
    response = await client.post("/mcp/call", json={"tool": tool, "arguments": arguments, "context": context})
    return response.json()


async def test_caller_asking_for_another_persons_account_is_forbidden(client: httpx.AsyncClient) -> None:
    body = await _call(client, "get_app_usage", {"email": "ada@example.com"}, caller="linus@example.com")

    assert body["ok"] is False
    assert body["error"]["code"] == "FORBIDDEN"
    assert "result" not in body


async def test_caller_reads_their_own_account_whatever_the_case_of_the_email(client: httpx.AsyncClient) -> None:
    body = await _call(client, "get_user", {"email": "Grace@Example.com"}, caller="grace@example.COM")

    assert body["ok"] is True
    assert body["result"]["email"] == "grace@example.com"
    assert body["result"]["email_verified"] is False


async def test_times_travel_as_utc_iso_strings(client: httpx.AsyncClient) -> None:
    body = await _call(client, "get_app_usage", {"email": "ada@example.com"})

    assert body["result"]["last_active_at"] == "2026-03-10T10:00:00Z"
    assert body["result"]["top_features"][0] == {"feature": "dashboard", "count": 42}


async def test_unknown_email_is_a_not_found_error_body(client: httpx.AsyncClient) -> None:
    body = await _call(client, "get_user", {"email": "nobody@example.com"})

    assert (body["ok"], body["error"]["code"], body["error"]["retryable"]) == (False, "NOT_FOUND", False)


@pytest.mark.parametrize("arguments", [{"email": "not-an-email"}, {}, {"email": ""}])
async def test_bad_arguments_are_invalid_requests(client: httpx.AsyncClient, arguments: dict[str, Any]) -> None:
    body = await _call(client, "get_user", arguments)

    assert (body["ok"], body["error"]["code"]) == (False, "INVALID_REQUEST")


async def test_tools_are_listed_read_only_bound_to_the_caller_with_distinct_examples(
    client: httpx.AsyncClient,
) -> None:
    tools = check_person_read_tools((await client.get("/mcp/tools")).json(), "firebase", TOOLS)
    examples = {e.lower() for tool in tools.values() for e in tool["examples"]}
    assert {"when did i last sign in?", "how many sessions did i have this month?"} <= examples


def test_mcp_clients_can_list_and_call_the_tools_on_a_real_port() -> None:
    headers = {"Accept": "application/json, text/event-stream"}
    call = {"name": "get_user", "arguments": {"email": "linus@example.com"}}
    with serve(_app()) as url:
        listed = httpx.post(f"{url}/mcp", headers=headers, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        called = httpx.post(
            f"{url}/mcp", headers=headers, json={"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": call}
        )

    assert {tool["name"] for tool in listed.json()["result"]["tools"]} == TOOLS
    assert called.json()["result"]["structuredContent"]["disabled"] is True
