"""Production mode over real HTTP: every entry point authenticates, and no caller reads another's data.

Real billing and CRM services on loopback, an orchestrator with `ORCH_MODE=production`, ID tokens
signed by a fake issuer whose JWKS is served on loopback, and API keys made by the key store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from oidc_fakes import AUDIENCE, ISSUER, Jwks, Signer, jwks_server, rsa_signer

from chargebee_service.app import create_app as billing_app
from chargebee_service.settings import Settings as BillingSettings
from hubspot_service.app import create_app as crm_app
from hubspot_service.settings import Settings as CrmSettings
from mcp_devtools.testing import serve
from orchestrator.app import create_app
from orchestrator.security.keys import ApiKeyStore
from orchestrator.settings import Settings
from orchestrator.state.sqlite import SqliteKVStore

ADA, GRACE = "ada@example.com", "grace@example.com"
QUESTION = "what plan am I on?"
MCP_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


@pytest.fixture(scope="module")
def issuer() -> Iterator[tuple[Jwks, Signer]]:
    signer = rsa_signer("k1")
    with jwks_server(signer) as keys:
        yield keys, signer


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Three API keys in the orchestrator's store: ada's own, one acting for acme's users, one for /mcp only."""
    state = tmp_path_factory.mktemp("state") / "state.sqlite3"

    async def make() -> dict[str, str]:
        store = SqliteKVStore(str(state))
        keys = ApiKeyStore(store, cache_s=0)
        _, own = await keys.create(tenant="default", email=ADA, entries=["query"])
        _, agent = await keys.create(tenant="acme", email="agent@acme.example", entries=["query"], act_for_users=True)
        _, mcp_only = await keys.create(tenant="default", email=ADA, entries=["mcp"])
        await store.close()
        return {"own": own, "agent": agent, "mcp_only": mcp_only}

    return state, asyncio.run(make())


@pytest.fixture(scope="module")
def orch(issuer: tuple[Jwks, Signer], keys: tuple[Path, dict[str, str]]) -> Iterator[str]:
    jwks, _ = issuer
    with serve(billing_app(BillingSettings())) as billing, serve(crm_app(CrmSettings())) as crm:
        settings = Settings(
            _env_file=None,
            mode="production",
            services={"chargebee": billing, "hubspot": crm},
            state_path=str(keys[0]),
            conversations="none",
            oidc_issuers=[{"issuer": ISSUER, "audience": [AUDIENCE], "jwks_url": jwks.url}],
            operators=["ops@example.com"],
        )
        with serve(create_app(settings)) as url:
            yield url


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def query(url: str, email: str, headers: dict[str, str], question: str = QUESTION) -> httpx.Response:
    return httpx.post(f"{url}/query", json={"query": question, "email": email}, headers=headers, timeout=10)


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    body: dict[str, Any] = response.json()["error"]
    return response.status_code, body["code"], body["message"]


def test_no_credential_is_unauthenticated_on_every_entry_point(orch: str) -> None:
    assert error_of(query(orch, ADA, {}))[:2] == (401, "UNAUTHENTICATED")
    turn = {"channel": "web", "message": "hi", "user": {"email": ADA}}
    assert httpx.post(f"{orch}/orchestrate", json=turn, timeout=10).status_code == 401
    listing = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    answer = httpx.post(f"{orch}/mcp", json=listing, headers=MCP_HEADERS | {"x-user-email": ADA}, timeout=10)
    assert answer.status_code == 401


def test_an_id_token_names_the_caller(orch: str, issuer: tuple[Jwks, Signer]) -> None:
    _, signer = issuer
    answer = query(orch, ADA, bearer(signer.token(email=ADA))).json()
    assert "pro-monthly" in answer["answer"], answer


def test_a_body_email_that_is_not_the_token_s_is_forbidden_not_replaced(orch: str, issuer: tuple[Jwks, Signer]) -> None:
    _, signer = issuer
    status, code, _ = error_of(query(orch, GRACE, bearer(signer.token(email=ADA))))
    assert (status, code) == (403, "FORBIDDEN")


def test_a_question_about_another_person_is_refused_with_a_clear_answer(orch: str, issuer: tuple[Jwks, Signer]) -> None:
    _, signer = issuer
    response = query(orch, ADA, bearer(signer.token(email=ADA)), f"show the invoices of {GRACE}")
    status, code, message = error_of(response)
    assert (status, code) == (403, "FORBIDDEN") and "only ask about your own data" in message
    mine = query(orch, ADA, bearer(signer.token(email=ADA)), f"what plan is {ADA} on?").json()
    assert "pro-monthly" in mine["answer"]


def test_invalid_tokens_are_unauthenticated(orch: str, issuer: tuple[Jwks, Signer]) -> None:
    _, signer = issuer
    for token in [signer.token(email=ADA, exp=1), rsa_signer("k1").token(email=ADA), "mok_nope_nope", "x.y.z"]:
        assert error_of(query(orch, ADA, bearer(token)))[:2] == (401, "UNAUTHENTICATED"), token


def test_api_keys_act_as_their_user_or_for_the_users_of_their_tenant(
    orch: str, keys: tuple[Path, dict[str, str]]
) -> None:
    secrets = keys[1]
    assert "pro-monthly" in query(orch, ADA, bearer(secrets["own"])).json()["answer"]
    assert error_of(query(orch, GRACE, bearer(secrets["own"])))[:2] == (403, "FORBIDDEN")
    assert "trial" in query(orch, GRACE, bearer(secrets["agent"])).json()["answer"]
    assert error_of(query(orch, ADA, bearer(secrets["mcp_only"])))[:2] == (403, "FORBIDDEN")


def test_the_same_user_in_two_tenants_shares_no_cached_answer(
    orch: str, issuer: tuple[Jwks, Signer], keys: tuple[Path, dict[str, str]]
) -> None:
    _, signer = issuer
    question = "do I have unpaid invoices?"
    first = query(orch, ADA, bearer(signer.token(email=ADA)), question).json()
    again = query(orch, ADA, bearer(signer.token(email=ADA)), question).json()
    other_tenant = query(orch, ADA, bearer(keys[1]["agent"]), question).json()
    assert (first["cached"], again["cached"], other_tenant["cached"]) == (False, True, False)
    assert [source["cached"] for source in other_tenant["sources"]] == [False], "nor any cached tool result"


def test_mcp_takes_the_same_tokens(orch: str, issuer: tuple[Jwks, Signer]) -> None:
    _, signer = issuer
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "ask", "arguments": {}}}
    call["params"]["arguments"] = {"question": QUESTION}  # type: ignore[index]
    headers = MCP_HEADERS | bearer(signer.token(email=ADA)) | {"mcp-protocol-version": "2025-06-18"}
    answer = httpx.post(f"{orch}/mcp", json=call, headers=headers, timeout=10)
    assert answer.status_code == 200 and "pro-monthly" in answer.text


def test_health_shows_the_topology_only_to_operators(orch: str, issuer: tuple[Jwks, Signer]) -> None:
    _, signer = issuer
    public = httpx.get(f"{orch}/health", timeout=10).json()
    assert public["mode"] == "production" and public["services"] is None and public["tools"] is None
    user = httpx.get(f"{orch}/health", headers=bearer(signer.token(email=ADA)), timeout=10).json()
    assert user["services"] is None
    operator = httpx.get(f"{orch}/health", headers=bearer(signer.token(email="ops@example.com")), timeout=10).json()
    assert set(operator["services"]) == {"chargebee", "hubspot"}
