"""The service app over HTTP (`/mcp/call`, `/mcp/tools`), its tool declarations and its settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from hubspot_service.app import create_app
from hubspot_service.backends.demo import DemoCrm
from hubspot_service.settings import Settings
from hubspot_service.tools import build_registry
from mcp_devtools.testing import serve


def _settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **overrides)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(_settings()))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        yield http


async def _call(http: httpx.AsyncClient, tool: str, arguments: dict[str, Any], **context: Any) -> Any:
    response = await http.post("/mcp/call", json={"tool": tool, "arguments": arguments, "context": context})
    assert response.status_code == 200
    return response.json()


async def test_mcp_call_returns_the_callers_own_contact(client: httpx.AsyncClient) -> None:
    body = await _call(client, "get_contact", {"email": "ada@example.com"}, caller="ada@example.com")

    assert body["ok"] is True
    assert body["service"] == "hubspot"
    assert body["result"]["lifecycle_stage"] == "customer"


async def test_caller_asking_for_another_persons_email_is_forbidden(client: httpx.AsyncClient) -> None:
    body = await _call(client, "list_deals", {"email": "ada@example.com"}, caller="grace@example.com")

    assert body["ok"] is False
    assert body["error"]["code"] == "FORBIDDEN"
    assert body["error"]["retryable"] is False
    assert "result" not in body


async def test_caller_check_ignores_email_case(client: httpx.AsyncClient) -> None:
    body = await _call(client, "list_tickets", {"email": "ADA@example.com"}, caller="ada@EXAMPLE.com")

    assert body["ok"] is True
    assert body["result"]["open_count"] == 1


async def test_unknown_email_over_http_is_not_found(client: httpx.AsyncClient) -> None:
    body = await _call(client, "get_contact", {"email": "eve@example.com"})

    assert body["error"] == {"code": "NOT_FOUND", "message": "no CRM contact with that email", "retryable": False}


async def test_tool_listing_declares_three_read_only_identity_bound_tools(client: httpx.AsyncClient) -> None:
    listing = (await client.get("/mcp/tools")).json()
    tools = {t["name"]: t for t in listing["tools"]}

    assert listing["service"] == "hubspot"
    assert set(tools) == {"get_contact", "list_deals", "list_tickets"}
    assert all(t["writes"] is False and t["identity_args"] == ["email"] for t in tools.values())
    assert [tools[n]["cache_ttl_s"] for n in ("get_contact", "list_deals", "list_tickets")] == [300, 120, 60]
    assert tools["list_tickets"]["input_schema"]["properties"]["status"]


def test_every_tool_has_five_to_twenty_examples_shared_with_no_other_tool() -> None:
    specs = list(build_registry(DemoCrm()))
    every = [e.lower() for spec in specs for e in spec.examples]

    assert all(5 <= len(spec.examples) <= 20 for spec in specs)
    assert len(every) == len(set(every))


def test_every_field_of_every_tool_schema_is_described() -> None:
    for spec in build_registry(DemoCrm()):
        for model in (spec.input_model, spec.output_model):
            undescribed = [n for n, f in model.model_fields.items() if not f.description]
            assert undescribed == [], f"{spec.name}: {model.__name__} {undescribed}"


def test_settings_default_to_the_demo_backend_on_port_8102(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUBSPOT_BACKEND", raising=False)
    settings = _settings()

    assert (settings.backend, settings.port, settings.base_url) == ("demo", 8102, "https://api.hubapi.com")


def test_hubspot_backend_without_a_token_fails_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBSPOT_BACKEND", "hubspot")
    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN", raising=False)

    with pytest.raises(ValidationError, match="HUBSPOT_ACCESS_TOKEN"):
        _settings()


def test_settings_read_the_hubspot_prefix_and_hide_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBSPOT_BACKEND", "hubspot")
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "pat-na1-secret-value")
    monkeypatch.setenv("HUBSPOT_TIMEOUT_S", "2.5")
    settings = _settings()

    assert settings.access_token is not None
    assert settings.access_token.get_secret_value() == "pat-na1-secret-value"
    assert settings.timeout_s == 2.5
    assert "pat-na1-secret-value" not in repr(settings)


def test_demo_service_starts_and_answers_health_on_a_real_port() -> None:
    with serve(create_app(_settings())) as url:
        health = httpx.get(f"{url}/health").json()

    assert health == {"status": "ok", "service": "hubspot", "version": "0.1.0", "tools": 3}
