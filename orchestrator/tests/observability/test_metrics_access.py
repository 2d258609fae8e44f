"""In production /metrics answers only the operators (ORCH_OPERATORS), authenticated like any caller."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from metrics_scrape import get_metrics, key, samples

from chargebee_service.app import create_app as billing_app
from chargebee_service.settings import Settings as BillingSettings
from mcp_devtools.testing import serve
from orchestrator.app import create_app
from orchestrator.security.keys import ApiKeyStore
from orchestrator.settings import Settings
from orchestrator.state.sqlite import SqliteKVStore


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    state = tmp_path_factory.mktemp("state") / "state.sqlite3"

    async def make() -> dict[str, str]:
        store = SqliteKVStore(str(state))
        keys = ApiKeyStore(store, cache_s=0)
        _, ops = await keys.create(tenant="default", email="ops@example.com", entries=["query"])
        _, ada = await keys.create(tenant="default", email="ada@example.com", entries=["query"])
        await store.close()
        return {"ops": ops, "ada": ada}

    return state, asyncio.run(make())


@pytest.fixture(scope="module")
def orch(keys: tuple[Path, dict[str, str]]) -> Iterator[str]:
    with serve(billing_app(BillingSettings())) as billing:
        settings = Settings(
            _env_file=None,
            mode="production",
            services={"chargebee": billing},
            state_path=str(keys[0]),
            conversations="none",
            operators=["ops@example.com"],
            errors_as_http_status=True,
        )
        with serve(create_app(settings)) as url:
            yield url


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_without_an_operator_credential_metrics_are_not_found(orch: str, keys: tuple[Path, dict[str, str]]) -> None:
    assert httpx.get(f"{orch}/metrics", timeout=10).status_code == 404
    assert httpx.get(f"{orch}/metrics", headers=bearer(keys[1]["ada"]), timeout=10).status_code == 404
    assert httpx.get(f"{orch}/metrics", headers=bearer("not-a-key"), timeout=10).status_code == 404


def test_an_operator_reads_the_metrics_and_refused_requests_are_counted(
    orch: str, keys: tuple[Path, dict[str, str]]
) -> None:
    ops = bearer(keys[1]["ops"])
    before = samples(get_metrics(orch, ops))
    assert (
        httpx.post(
            f"{orch}/query", json={"query": "what plan am I on?", "email": "ada@example.com"}, timeout=10
        ).status_code
        == 401
    )
    after = samples(get_metrics(orch, ops))
    unauthenticated = key("http_requests_total", service="orchestrator", route="/query", method="POST", status="401")
    assert after[unauthenticated] - before.get(unauthenticated, 0.0) == 1
