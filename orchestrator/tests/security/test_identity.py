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


def unauthenticated(callers: Callers, credentials: Credentials) -> str:
    with pytest.raises(ServiceError) as raised:
        callers.resolve(credentials)
    assert raised.value.code is ErrorCode.UNAUTHENTICATED
    return str(raised.value)


# --- /query and /orchestrate ---------------------------------------------------------------------------


def test_http_callers_are_the_user_the_body_names_with_the_deployments_tenant_and_allowlist() -> None:
    callers = Callers(settings(tenant="acme", allowed_tools=["menu.*"]))
    caller = callers.resolve(Credentials("http", {}, f"  {ADA}  "))
    assert caller == Caller(ADA, tenant="acme", allowed_tools=("menu.*",))
    assert caller.may_use("menu.search_menu") and not caller.may_use("order.create_order")


@pytest.mark.parametrize("claimed", [None, "", "   "])
def test_a_request_naming_nobody_has_no_caller(claimed: str | None) -> None:
    assert Callers(settings()).resolve(Credentials("http", {}, claimed)) is None
    assert Callers(settings()).resolve(Credentials("mcp", {}, claimed)) is None


def test_http_emails_are_taken_as_the_body_gives_them() -> None:
    # The request model validates the body's email; the resolver trusts it and keeps its case.
    caller = Callers(settings()).resolve(Credentials("http", {}, "Ada@Example.com"))
    assert caller is not None and caller.email == "Ada@Example.com" and caller.user == ADA


def test_api_keys_do_not_change_http_callers() -> None:
    callers = keyed()
    caller = callers.resolve(Credentials("http", {"authorization": f"Bearer {LIMITED_TOKEN}"}, ADA))
    assert caller == Caller(ADA, tenant="acme", allowed_tools=("order.*", "menu.*"))


# --- /mcp without keys (development) ---------------------------------------------------------------------


def test_mcp_without_keys_trusts_the_user_header() -> None:
    callers = Callers(settings())
    assert not callers.bearer_required
    caller = callers.resolve(Credentials("mcp", {USER_HEADER: GRACE}, GRACE))
    assert caller == Caller(GRACE)


@pytest.mark.parametrize("claimed", ["nope", "ada@", "@example.com", "ada example.com", "a@b@c.com"])
def test_mcp_refuses_a_user_header_that_is_not_an_email(claimed: str) -> None:
    message = unauthenticated(Callers(settings()), Credentials("mcp", {USER_HEADER: claimed}, claimed))
    assert message == "the X-User-Email header is not an email address"


def test_mcp_normalises_the_user_headers_domain() -> None:
    caller = Callers(settings()).resolve(Credentials("mcp", {}, "Ada@EXAMPLE.com"))
    assert caller is not None and caller.user == ADA


def test_anonymous_is_nobody_with_the_deployments_allowlist() -> None:
    anonymous = Callers(settings(tenant="acme", allowed_tools=["menu.*"])).anonymous()
    assert anonymous == Caller("", tenant="acme", allowed_tools=("menu.*",))


# --- /mcp with keys --------------------------------------------------------------------------------------


def test_a_bearer_token_names_the_caller_whatever_the_user_header_says() -> None:
    callers = keyed()
    assert callers.bearer_required
    caller = callers.resolve(Credentials("mcp", {"authorization": f"Bearer {ADA_TOKEN}", USER_HEADER: GRACE}, GRACE))
    assert caller == Caller(ADA, tenant="acme", allowed_tools=("order.*", "menu.*"))


def test_a_keys_own_allowlist_replaces_the_deployments() -> None:
    caller = keyed().resolve(Credentials("mcp", {"authorization": f"Bearer {LIMITED_TOKEN}"}))
    assert caller == Caller(GRACE, tenant="acme", allowed_tools=("menu.*",))
    assert not caller.may_use("order.list_orders")


@pytest.mark.parametrize("header", [f"bearer {ADA_TOKEN}", f"BEARER {ADA_TOKEN}", f"Bearer   {ADA_TOKEN}  "])
def test_the_scheme_is_case_insensitive_and_the_token_trimmed(header: str) -> None:
    caller = keyed().resolve(Credentials("mcp", {"authorization": header}))
    assert caller is not None and caller.email == ADA


@pytest.mark.parametrize(
    "headers", [{}, {"authorization": ""}, {"authorization": "Bearer"}, {"authorization": "Bearer    "},
                {"authorization": f"Basic {ADA_TOKEN}"}, {"authorization": ADA_TOKEN}, {USER_HEADER: ADA}],
)  # fmt: skip
def test_a_missing_or_malformed_bearer_token_is_unauthenticated(headers: dict[str, str]) -> None:
    assert unauthenticated(keyed(), Credentials("mcp", headers, headers.get(USER_HEADER))) == (
        "a bearer token is required"
    )


@pytest.mark.parametrize("token", ["not-a-key", ADA_TOKEN.upper(), digest(ADA_TOKEN)])
def test_an_unknown_token_is_unauthenticated(token: str) -> None:
    message = unauthenticated(keyed(), Credentials("mcp", {"authorization": f"Bearer {token}"}))
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


def test_api_keys_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCH_MCP_API_KEYS", f'{{"{digest(ADA_TOKEN)}": {{"email": "{ADA}"}}}}')
    monkeypatch.setenv("ORCH_TENANT", "env-tenant")
    callers = Callers(settings())
    caller = callers.resolve(Credentials("mcp", {"authorization": f"Bearer {ADA_TOKEN}"}))
    assert caller == Caller(ADA, tenant="env-tenant")
