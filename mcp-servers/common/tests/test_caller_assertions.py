"""Caller assertions: a service with caller keys believes only signed, short-lived assertions of its caller,
on `/mcp/call` (`X-Caller-Assertion`) and on `/mcp` (`Authorization: Bearer`); real HTTP on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import httpx2
import jwt
import pytest
from demo_registry import build_demo_registry
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import TextContent
from pydantic import SecretStr, ValidationError

from mcp_common.app import ServiceConfig, create_service_app
from mcp_common.assertions import HEADER, AssertionSigner, AssertionVerifier, Keyring
from mcp_common.errors import ServiceError
from mcp_common.service_settings import BaseServiceSettings
from mcp_devtools.testing import serve

ADA, GRACE = "ada@example.com", "grace@example.com"
OLD, NEW = "k-old", "k-new"
SECRETS = {OLD: "old-secret-0123456789abcdef0123456789", NEW: "new-secret-0123456789abcdef0123456789"}
LIST_ADA = {"tool": "list_orders", "arguments": {"email": ADA, "limit": 1}}


def keyring(*kids: str, signing: str | None = None) -> Keyring:
    ring = Keyring.from_secrets({kid: SecretStr(SECRETS[kid]) for kid in kids}, signing or kids[0])
    assert ring is not None
    return ring


def config(*kids: str) -> ServiceConfig:
    return ServiceConfig(caller_keys={kid: SecretStr(SECRETS[kid]) for kid in kids}, caller_key_id=kids[0])


def signer(*kids: str, signing: str | None = None, **kwargs: Any) -> AssertionSigner:
    return AssertionSigner(keyring(*kids, signing=signing), "orchestrator", **kwargs)


def mint(claims: dict[str, Any], key: str, *, kid: str = NEW, alg: str = "HS256") -> str:
    now = int(time.time())
    body = {"iss": "orchestrator", "aud": "demo", "sub": ADA, "tenant": "default", "iat": now, "exp": now + 60}
    return jwt.encode(body | claims, key, algorithm=alg, headers={"kid": kid})


@pytest.fixture(scope="module")
def rotated_url() -> Iterator[str]:
    """The demo service holding both keys (a rotation in progress)."""
    with serve(create_service_app(build_demo_registry(), config(NEW, OLD))) as url:
        yield url


@pytest.fixture(scope="module")
def new_only_url() -> Iterator[str]:
    """The demo service after the old key was removed."""
    with serve(create_service_app(build_demo_registry(), config(NEW))) as url:
        yield url


def post(url: str, body: dict[str, Any], assertion: str | None = None) -> dict[str, Any]:
    headers = {HEADER: assertion} if assertion is not None else {}
    response = httpx.post(f"{url}/mcp/call", json=body, headers=headers, timeout=5.0)
    assert response.status_code == 200
    reply: dict[str, Any] = response.json()
    return reply


def code(reply: dict[str, Any]) -> str | None:
    return reply["error"]["code"] if not reply["ok"] else None


# ---------------------------------------------------------------- /mcp/call refuses what it cannot verify

REFUSED = {
    "no assertion": None,
    "forged (wrong key)": mint({}, "another-secret-0123456789abcdef0123456789"),
    "expired": mint({"iat": int(time.time()) - 200, "exp": int(time.time()) - 140}, SECRETS[NEW]),
    "wrong audience": mint({"aud": "menu"}, SECRETS[NEW]),
    "alg none": mint({}, "", alg="none"),
    "HS512": mint({}, SECRETS[NEW] * 2, alg="HS512"),
    "unknown kid": mint({}, SECRETS[NEW], kid="k-unknown"),
    "lives an hour": mint({"exp": int(time.time()) + 3600}, SECRETS[NEW]),
    "no tenant": jwt.encode(
        {"iss": "o", "aud": "demo", "sub": ADA, "iat": int(time.time()), "exp": int(time.time()) + 60},
        SECRETS[NEW],
        algorithm="HS256",
        headers={"kid": NEW},
    ),
    "not a jwt": "not-a-token",
}


@pytest.mark.parametrize("assertion", REFUSED.values(), ids=REFUSED.keys())
def test_an_identity_tool_refuses_a_call_without_a_valid_assertion(new_only_url: str, assertion: str | None) -> None:
    for context in ({}, {"caller": ADA}):
        reply = post(new_only_url, LIST_ADA | {"context": context}, assertion)

        assert code(reply) == "UNAUTHENTICATED", reply
        assert reply["error"]["retryable"] is False
        assert "result" not in reply


def test_a_valid_assertion_for_ada_reads_ada_and_nobody_else(new_only_url: str) -> None:
    ada = signer(NEW).sign("demo", "Ada@Example.com", "default")

    mine = post(new_only_url, LIST_ADA | {"context": {"caller": "ADA@example.com"}}, ada)
    bare = post(new_only_url, LIST_ADA, ada)  # the assertion names the caller when the body does not
    grace_args = post(new_only_url, {"tool": "list_orders", "arguments": {"email": GRACE}}, ada)
    grace_caller = post(new_only_url, LIST_ADA | {"context": {"caller": GRACE}}, ada)
    other_tenant = post(new_only_url, LIST_ADA | {"context": {"caller": ADA, "tenant": "acme"}}, ada)

    assert mine["ok"] and mine["result"]["customer"]["email"] == ADA
    assert bare["ok"] and bare["result"]["customer"]["email"] == ADA
    assert code(grace_args) == "FORBIDDEN"
    assert code(grace_caller) == "FORBIDDEN"
    assert code(other_tenant) == "FORBIDDEN"


def test_tools_without_identity_arguments_work_without_an_assertion(new_only_url: str) -> None:
    anonymous = post(new_only_url, {"tool": "get_order", "arguments": {"order_id": "A-1"}})
    claimed = post(new_only_url, {"tool": "get_order", "arguments": {"order_id": "A-1"}, "context": {"caller": ADA}})
    forged = post(new_only_url, {"tool": "get_order", "arguments": {"order_id": "A-1"}}, REFUSED["alg none"])

    assert code(anonymous) == "NOT_FOUND"  # the tool ran
    assert code(claimed) == "UNAUTHENTICATED"  # a caller is named: it must be proven
    assert code(forged) == "UNAUTHENTICATED"


def test_without_caller_keys_the_context_is_believed_as_before(demo_url: str) -> None:
    assert post(demo_url, LIST_ADA)["ok"]
    assert code(post(demo_url, LIST_ADA | {"context": {"caller": GRACE}})) == "FORBIDDEN"


# ---------------------------------------------------------------- rotation


def test_rotation_accepts_every_key_of_the_ring_and_refuses_a_removed_one(rotated_url: str, new_only_url: str) -> None:
    old = signer(OLD).sign("demo", ADA, "default")
    new = signer(NEW, OLD, signing=NEW).sign("demo", ADA, "default")

    assert post(rotated_url, LIST_ADA, old)["ok"]
    assert post(rotated_url, LIST_ADA, new)["ok"]
    assert post(new_only_url, LIST_ADA, new)["ok"]
    assert code(post(new_only_url, LIST_ADA, old)) == "UNAUTHENTICATED"


# ---------------------------------------------------------------- the service's /mcp


def test_the_mcp_endpoint_needs_a_bearer_assertion(new_only_url: str) -> None:
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    for bearer in (None, REFUSED["forged (wrong key)"], REFUSED["alg none"], signer(NEW).sign("menu", ADA, "default")):
        sent = headers | ({"Authorization": f"Bearer {bearer}"} if bearer else {})
        response = httpx.post(f"{new_only_url}/mcp", json=initialize, headers=sent, timeout=5.0)

        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["error"]["code"] == "UNAUTHENTICATED"


async def test_the_mcp_bearer_subject_is_the_caller_of_identity_tools(new_only_url: str) -> None:
    ada = signer(NEW).sign("demo", ADA, "default")
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {ada}"}, timeout=10) as http,
        Client(streamable_http_client(f"{new_only_url}/mcp", http_client=http), mode="legacy") as client,
    ):
        mine = await client.call_tool("list_orders", {"email": ADA, "limit": 1})
        theirs = await client.call_tool("list_orders", {"email": GRACE, "limit": 1})

    assert mine.is_error is False
    assert mine.structured_content is not None and mine.structured_content["customer"]["email"] == ADA
    assert theirs.is_error is True
    [content] = theirs.content
    assert isinstance(content, TextContent) and content.text.startswith("FORBIDDEN: ")


# ---------------------------------------------------------------- signing, verifying, settings


def test_signed_assertions_are_reused_for_part_of_their_life_then_renewed() -> None:
    now = [1_000_000.0]
    sign = signer(NEW, clock=lambda: now[0], reuse_s=30).sign

    first = sign("demo", ADA, "default")
    assert sign("demo", "ADA@example.com ", "default") == first
    assert sign("menu", ADA, "default") != first
    assert sign("demo", ADA, "acme") != first
    now[0] += 31
    renewed = sign("demo", ADA, "default")

    assert renewed != first
    claims = jwt.decode(renewed, SECRETS[NEW], algorithms=["HS256"], audience="demo", options={"verify_exp": False})
    assert claims["iss"] == "orchestrator" and claims["sub"] == ADA and claims["tenant"] == "default"
    assert claims["exp"] - claims["iat"] == 60
    assert jwt.get_unverified_header(renewed)["kid"] == NEW


def test_the_verifier_names_the_reason_but_never_the_token() -> None:
    verifier = AssertionVerifier(keyring(NEW), audience="demo")
    token = mint({"aud": "menu"}, SECRETS[NEW])

    with pytest.raises(ServiceError) as refused:
        verifier.verify(token)

    assert refused.value.code.value == "UNAUTHENTICATED" and "demo" in refused.value.message
    assert token not in refused.value.message


def test_settings_refuse_short_keys_and_a_signing_kid_outside_the_ring() -> None:
    with pytest.raises(ValidationError, match="shorter than 32 bytes"):
        BaseServiceSettings(_env_file=None, caller_keys={"k": SecretStr("short")})
    with pytest.raises(ValidationError, match="not one of the caller keys"):
        BaseServiceSettings(_env_file=None, caller_keys={NEW: SecretStr(SECRETS[NEW])}, caller_key_id=OLD)
    with pytest.raises(ValidationError, match="CALLER_KEY_ID must name"):
        BaseServiceSettings(_env_file=None, caller_keys={k: SecretStr(v) for k, v in SECRETS.items()})
    one = BaseServiceSettings(_env_file=None, caller_keys={NEW: SecretStr(SECRETS[NEW])})
    assert one.caller_signer("order") is not None
    assert BaseServiceSettings(_env_file=None).caller_signer("order") is None


def count_checks(verifier: AssertionVerifier, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A one-item list counting the verifier's full checks (signature and claims) from now on."""
    checks = [0]
    real = verifier._verify

    def counted(token: str) -> Any:
        checks[0] += 1
        return real(token)

    monkeypatch.setattr(verifier, "_verify", counted)
    return checks


def test_a_verified_assertion_is_remembered_until_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    verifier = AssertionVerifier(keyring(NEW), "demo", leeway_s=0)
    checks = count_checks(verifier, monkeypatch)
    now = int(time.time())
    token = mint({"iat": now, "exp": now + 1}, SECRETS[NEW])
    assert [verifier.verify(token).subject for _ in range(3)] == [ADA] * 3
    assert checks == [1]
    time.sleep(1.2)
    with pytest.raises(ServiceError, match="expired"):
        verifier.verify(token)
    assert checks == [2]


def test_remembered_assertions_and_signed_tokens_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mcp_common.assertions._CACHE_MAX", 10)
    verifier = AssertionVerifier(keyring(NEW), "demo")
    tokens = [mint({"sub": f"user{n}@example.com"}, SECRETS[NEW]) for n in range(25)]
    assert [verifier.verify(token).subject for token in tokens][-1] == "user24@example.com"
    assert 0 < len(verifier._verified) <= 10
    checks = count_checks(verifier, monkeypatch)
    verifier.verify(tokens[-1])  # the newest is still remembered
    assert checks == [0]
    signing = signer(NEW)
    for n in range(25):
        signing.sign("demo", f"user{n}@example.com", "default")
    assert 0 < len(signing._cache) <= 10
    assert signing.sign("demo", "user24@example.com", "default") == signing.sign(
        "demo", "user24@example.com", "default"
    )
