"""`Callers`: who a request acts for, from what it carries, for each entry point and deployment."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from pydantic import ValidationError

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.security.caller import Caller
from orchestrator.security.identity import USER_HEADER, Callers, Credentials
from orchestrator.settings import Settings

ADA = "ada@example.com"
GRACE = "grace@example.com"
ADA_TOKEN = "ada-secret-token"
LIMITED_TOKEN = "limited-secret-token"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, state_backend="memory", **values)


def keyed(**values: Any) -> Callers:
    keys = {digest(ADA_TOKEN): {"email": ADA}, digest(LIMITED_TOKEN): {"email": GRACE, "allowed_tools": ["menu.*"]}}
    return Callers(settings(mcp_api_keys=keys, tenant="acme", allowed_tools=["order.*", "menu.*"], **values))


async def unauthenticated(callers: Callers, credentials: Credentials) -> str:
    with pytest.raises(ServiceError) as raised:
        await callers.resolve(credentials)
    assert raised.value.code is ErrorCode.UNAUTHENTICATED
    return str(raised.value)


# --- /query and /orchestrate ---------------------------------------------------------------------------


async def test_http_callers_are_the_user_the_body_names_with_the_deployments_tenant_and_allowlist() -> None:
    callers = Callers(settings(tenant="acme", allowed_tools=["menu.*"]))
    caller = await callers.resolve(Credentials("query", {}, f"  {ADA}  "))
    assert caller == Caller(ADA, tenant="acme", allowed_tools=("menu.*",))
    assert caller.may_use("menu.search_menu") and not caller.may_use("order.create_order")


@pytest.mark.parametrize("claimed", [None, "", "   "])
async def test_a_request_naming_nobody_has_no_caller(claimed: str | None) -> None:
    assert await Callers(settings()).resolve(Credentials("query", {}, claimed)) is None
    assert await Callers(settings()).resolve(Credentials("mcp", {}, claimed)) is None


async def test_body_emails_are_normalised_to_lower_case() -> None:
    caller = await Callers(settings()).resolve(Credentials("query", {}, "Ada@Example.com"))
    assert caller is not None and caller.email == ADA and caller.user == ADA


async def test_mcp_api_keys_are_not_credentials_for_query() -> None:
    message = await unauthenticated(keyed(), Credentials("query", {"authorization": f"Bearer {LIMITED_TOKEN}"}, ADA))
    assert message == "the bearer token is not valid"


# --- /mcp without keys (development) ---------------------------------------------------------------------


async def test_mcp_without_keys_trusts_the_user_header() -> None:
    callers = Callers(settings())
    assert not callers.bearer_required
    caller = await callers.resolve(Credentials("mcp", {USER_HEADER: GRACE}, GRACE))
    assert caller == Caller(GRACE)


@pytest.mark.parametrize("claimed", ["nope", "ada@", "@example.com", "ada example.com", "a@b@c.com"])
async def test_mcp_refuses_a_user_header_that_is_not_an_email(claimed: str) -> None:
    message = await unauthenticated(Callers(settings()), Credentials("mcp", {USER_HEADER: claimed}, claimed))
    assert message == "the X-User-Email header is not an email address"


async def test_mcp_normalises_the_user_headers_domain() -> None:
    caller = await Callers(settings()).resolve(Credentials("mcp", {}, "Ada@EXAMPLE.com"))
    assert caller is not None and caller.user == ADA


def test_anonymous_is_nobody_with_the_deployments_allowlist() -> None:
    anonymous = Callers(settings(tenant="acme", allowed_tools=["menu.*"])).anonymous()
    assert anonymous == Caller("", tenant="acme", allowed_tools=("menu.*",))


# --- /mcp with keys --------------------------------------------------------------------------------------


async def test_a_bearer_token_names_the_caller_and_a_user_header_naming_another_is_forbidden() -> None:
    callers = keyed()
    assert callers.bearer_required
    caller = await callers.resolve(Credentials("mcp", {"authorization": f"Bearer {ADA_TOKEN}", USER_HEADER: ADA}, ADA))
    assert caller == Caller(ADA, tenant="acme", allowed_tools=("order.*", "menu.*"), via="mcp-key")
    with pytest.raises(ServiceError) as raised:
        await callers.resolve(Credentials("mcp", {"authorization": f"Bearer {ADA_TOKEN}", USER_HEADER: GRACE}, GRACE))
    assert raised.value.code is ErrorCode.FORBIDDEN


async def test_a_keys_own_allowlist_replaces_the_deployments() -> None:
    caller = await keyed().resolve(Credentials("mcp", {"authorization": f"Bearer {LIMITED_TOKEN}"}))
    assert caller == Caller(GRACE, tenant="acme", allowed_tools=("menu.*",), via="mcp-key")
    assert not caller.may_use("order.list_orders")


@pytest.mark.parametrize("header", [f"bearer {ADA_TOKEN}", f"BEARER {ADA_TOKEN}", f"Bearer   {ADA_TOKEN}  "])
async def test_the_scheme_is_case_insensitive_and_the_token_trimmed(header: str) -> None:
    caller = await keyed().resolve(Credentials("mcp", {"authorization": header}))
    assert caller is not None and caller.email == ADA


@pytest.mark.parametrize(
    "headers", [{}, {"authorization": ""}, {"authorization": "Bearer"}, {"authorization": "Bearer    "},
                {"authorization": f"Basic {ADA_TOKEN}"}, {"authorization": ADA_TOKEN}, {USER_HEADER: ADA}],
)  # fmt: skip
async def test_a_missing_or_malformed_bearer_token_is_unauthenticated(headers: dict[str, str]) -> None:
    assert await unauthenticated(keyed(), Credentials("mcp", headers, headers.get(USER_HEADER))) == (
        "a bearer token is required"
    )


@pytest.mark.parametrize("token", ["not-a-key", ADA_TOKEN.upper(), digest(ADA_TOKEN)])
async def test_an_unknown_token_is_unauthenticated(token: str) -> None:
    message = await unauthenticated(keyed(), Credentials("mcp", {"authorization": f"Bearer {token}"}))
    assert message == "the bearer token is not valid"


# --- settings --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "keys",
    [
        {"abc": {"email": ADA}},  # not a SHA-256 hex digest
        {digest(ADA_TOKEN).upper(): {"email": ADA}},  # upper-case hex is not what the resolver looks up
        {digest(ADA_TOKEN): {"email": "not-an-email"}},
        {digest(ADA_TOKEN): {}},
    ],
)
def test_api_keys_must_be_digests_naming_an_email(keys: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        settings(mcp_api_keys=keys)


async def test_api_keys_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCH_MCP_API_KEYS", f'{{"{digest(ADA_TOKEN)}": {{"email": "{ADA}"}}}}')
    monkeypatch.setenv("ORCH_TENANT", "env-tenant")
    callers = Callers(settings())
    caller = await callers.resolve(Credentials("mcp", {"authorization": f"Bearer {ADA_TOKEN}"}))
    assert caller == Caller(ADA, tenant="env-tenant", via="mcp-key")
