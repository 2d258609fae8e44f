"""The orchestrator signs a caller assertion for every service call made for a caller, and services holding the
same keys answer `/query` through it; services with keys refuse an orchestrator that does not sign."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import jwt
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from chargebee_service.app import create_app as billing_app
from chargebee_service.settings import Settings as BillingSettings
from hubspot_service.app import create_app as crm_app
from hubspot_service.settings import Settings as CrmSettings
from mcp_common.assertions import HEADER, caller_signer
from mcp_common.wire import CallContext
from mcp_devtools.testing import serve
from orchestrator.app import create_app
from orchestrator.settings import Settings
from orchestrator.tools.http import HttpToolSource

SECRET = "0123456789abcdef0123456789abcdef-orchestrator"
KEYS = {"k1": SECRET}


@pytest.fixture(scope="module")
def keyed_services() -> Iterator[dict[str, str]]:
    billing = BillingSettings(_env_file=None, caller_keys=KEYS)
    crm = CrmSettings(_env_file=None, caller_keys=KEYS)
    with serve(billing_app(billing)) as billing_url, serve(crm_app(crm)) as crm_url:
        yield {"chargebee": billing_url, "hubspot": crm_url}


def ask(url: str, query: str) -> dict[str, Any]:
    response = httpx.post(f"{url}/query", json={"query": query, "email": "Ada@Example.com"}, timeout=15)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_an_orchestrator_sharing_the_keys_answers_from_the_services(
    keyed_services: dict[str, str], tmp_path: Path
) -> None:
    settings = Settings(services=keyed_services, state_path=str(tmp_path / "s.sqlite3"), caller_keys=KEYS)
    with serve(create_app(settings)) as url:
        body = ask(url, "what plan am I on and do I have open tickets?")

    assert "pro-monthly" in body["answer"] and "HIGH priority" in body["answer"]
    assert [s["status"] for s in body["sources"]] == ["ok", "ok"]


def test_services_with_keys_refuse_an_orchestrator_that_does_not_sign(
    keyed_services: dict[str, str], tmp_path: Path
) -> None:
    settings = Settings(services=keyed_services, state_path=str(tmp_path / "s.sqlite3"))
    with serve(create_app(settings)) as url:
        body = ask(url, "what plan am I on?")

    assert "pro-monthly" not in body["answer"]
    assert [(s["status"], s["error"]["code"]) for s in body["sources"]] == [("error", "UNAUTHENTICATED")]


async def test_each_call_carries_an_assertion_for_its_caller_addressed_to_the_service() -> None:
    seen: list[str | None] = []

    async def call(request: Request) -> JSONResponse:
        seen.append(request.headers.get(HEADER))
        return JSONResponse({"ok": True, "result": {}, "service": "billing", "tool": "t", "latency_ms": 1})

    signer = caller_signer({"k1": SecretStr(SECRET)}, None, issuer="orchestrator")
    with serve(Starlette(routes=[Route("/mcp/call", call, methods=["POST"])])) as url:
        async with aiohttp.ClientSession() as session:
            source = HttpToolSource("billing", url, session, assertions=signer)
            await source.call("t", {}, CallContext(caller="Ada@Example.com", tenant="acme"))
            await source.call("t", {}, CallContext())

    assert seen[1] is None  # no caller, nothing to assert
    assert seen[0] is not None
    claims = jwt.decode(seen[0], SECRET, algorithms=["HS256"], audience="billing")
    assert (claims["iss"], claims["sub"], claims["tenant"]) == ("orchestrator", "ada@example.com", "acme")
    assert claims["exp"] - claims["iat"] <= 60
