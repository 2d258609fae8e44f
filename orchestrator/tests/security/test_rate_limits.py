"""Request budgets per user, API key and tenant: N answers, then 429 with Retry-After in both error modes; two
instances on one Redis spend one budget."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from orch_process import orchestrator_process

from mcp_common.errors import ErrorCode, ServiceError
from mcp_devtools.emulators import RedisServer
from mcp_devtools.testing import serve
from orchestrator.api.errors import error_response
from orchestrator.app import create_app
from orchestrator.security.limits import RateLimits
from orchestrator.settings import Settings

BASE: dict[str, Any] = {"services": {}, "conversations": "none", "state_backend": "memory"}


def ask(url: str, email: str = "ada@example.com") -> httpx.Response:
    return httpx.post(f"{url}/query", json={"query": "what do I owe", "email": email}, timeout=10)


async def test_each_user_has_their_own_budget_and_a_refusal_says_when_to_retry() -> None:
    limits = RateLimits.from_settings(Settings(rate_limit_user="3/minute"))

    for _ in range(3):
        await limits.hit(tenant="t", user="ada@example.com", key_id=None)
    with pytest.raises(ServiceError) as refused:
        await limits.hit(tenant="t", user="ada@example.com", key_id=None)
    await limits.hit(tenant="t", user="grace@example.com", key_id=None)
    await limits.hit(tenant="other", user="ada@example.com", key_id=None)

    assert refused.value.code is ErrorCode.RATE_LIMITED
    assert refused.value.retry_after_s is not None
    assert 0 < refused.value.retry_after_s <= 60


async def test_tenant_and_key_budgets_count_across_users() -> None:
    limits = RateLimits.from_settings(Settings(rate_limit_tenant="2/minute", rate_limit_key="1/hour"))

    await limits.hit(tenant="t", user="a@example.com", key_id=None)
    await limits.hit(tenant="u", user="a@example.com", key_id="k1")
    with pytest.raises(ServiceError, match="key"):
        await limits.hit(tenant="u", user="b@example.com", key_id="k1")
    await limits.hit(tenant="t", user="b@example.com", key_id=None)
    with pytest.raises(ServiceError, match="tenant"):
        await limits.hit(tenant="t", user="c@example.com", key_id=None)


async def test_a_tenant_may_have_its_own_budgets() -> None:
    settings = Settings(rate_limit_user="1/minute", tenants={"big": {"rate_limit_user": "3/minute"}})
    limits = RateLimits.from_settings(settings)
    for _ in range(3):
        await limits.hit(tenant="big", user="ada@example.com", key_id=None)
    with pytest.raises(ServiceError, match="user"):
        await limits.hit(tenant="big", user="ada@example.com", key_id=None)
    await limits.hit(tenant="small", user="ada@example.com", key_id=None)
    with pytest.raises(ServiceError, match="user"):
        await limits.hit(tenant="small", user="ada@example.com", key_id=None)
    only_tenants = RateLimits.from_settings(Settings(tenants={"big": {"rate_limit_tenant": "1/minute"}}))
    assert only_tenants.enabled
    with pytest.raises(ValueError, match="rate_limit_user"):
        Settings(tenants={"big": {"rate_limit_user": "lots"}})


async def test_no_budget_means_no_limit() -> None:
    limits = RateLimits.from_settings(Settings())

    assert not limits.enabled
    for _ in range(100):
        await limits.hit(tenant="t", user="a@example.com", key_id=None)


def test_a_malformed_budget_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="ORCH_RATE_LIMIT_USER"):
        Settings(rate_limit_user="lots")


@pytest.mark.parametrize("as_http_status", [False, True])
def test_n_answers_then_429_with_retry_after_in_both_error_modes(as_http_status: bool) -> None:
    settings = Settings(**BASE, rate_limit_user="3/minute", errors_as_http_status=as_http_status)
    with serve(create_app(settings)) as url:
        answers = [ask(url) for _ in range(3)]
        refused = ask(url)
        other_user = ask(url, "grace@example.com")

    assert [r.status_code for r in answers] == [200, 200, 200]
    assert all("answer" in r.json() for r in answers)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "RATE_LIMITED"
    assert refused.json()["error"]["retryable"] is True
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert other_user.status_code == 200


def test_mcp_spends_the_same_budget_as_query() -> None:
    listing = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"accept": "application/json, text/event-stream", "x-user-email": "ada@example.com"}
    settings = Settings(**BASE, rate_limit_user="2/minute")
    with serve(create_app(settings)) as url:
        first = ask(url)
        listed = httpx.post(f"{url}/mcp", json=listing, headers=headers, timeout=10)
        refused = httpx.post(f"{url}/mcp", json=listing, headers=headers, timeout=10)
    assert (first.status_code, listed.status_code) == (200, 200)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "RATE_LIMITED"
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_unauthenticated_errors_name_the_bearer_scheme() -> None:
    response = error_response(ServiceError(ErrorCode.UNAUTHENTICATED, "who are you"), as_http_status=True)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_two_instances_on_one_redis_share_one_budget(redis_server: RedisServer, tmp_path: Path) -> None:
    env = {
        "ORCH_STATE_BACKEND": "redis",
        "ORCH_REDIS_URL": redis_server.url,
        "ORCH_STATE_PREFIX": f"t{uuid.uuid4().hex[:12]}",
        "ORCH_RATE_LIMIT_USER": "4/minute",
    }
    with orchestrator_process(tmp_path, **env) as first, orchestrator_process(tmp_path, **env) as second:
        statuses = [ask(url).status_code for url in [first.url, second.url] * 4]

    assert statuses == [200, 200, 200, 200, 429, 429, 429, 429]
