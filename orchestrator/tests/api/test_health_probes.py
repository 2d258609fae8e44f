"""The orchestrator's probes: ready while its shared store answers, its catalog lists tools and at least one
source answers; live whatever they do. The Redis case runs a real orchestrator process on a real Redis."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI
from orch_fakes import ScriptedSource, tool_info
from orch_process import orchestrator_process

from chargebee_service.app import create_app as billing_app
from chargebee_service.settings import Settings as BillingSettings
from mcp_common.readiness import Readiness, Report
from mcp_devtools import emulators
from mcp_devtools.testing import serve
from orchestrator.api import health
from orchestrator.state.memory import MemoryKVStore
from orchestrator.tools.catalog import Catalog


async def never_answers() -> None:
    await asyncio.Event().wait()


def source(name: str, *, up: bool = True) -> ScriptedSource:
    async def answer(_: dict[str, Any], __: Any) -> dict[str, Any]:
        return {"value": "x"}

    scripted = ScriptedSource(name, {"plan": (tool_info("plan"), answer)})
    scripted.healthy = up
    return scripted


async def report(catalog: Catalog, store: Any = None) -> Report:
    app = FastAPI()
    health.bind(app, store if store is not None else MemoryKVStore(), catalog)
    readiness: Readiness = app.state.readiness
    return await readiness.report()


def verdicts(report: Report) -> dict[str, tuple[bool, str | None]]:
    return {r.name: (r.ok, r.detail) for r in report.checks}


async def test_ready_with_some_sources_down_since_it_answers_with_what_is_up() -> None:
    up, down = source("billing"), source("crm")
    catalog = Catalog([up, down])
    await catalog.refresh()
    down.healthy = False

    result = await report(catalog)

    assert result.ready
    assert verdicts(result)["catalog"] == (True, "2 tools")
    assert verdicts(result)["tool_sources"] == (True, "a source answered (2 configured)")


async def test_not_ready_when_no_source_answers_naming_none_of_them() -> None:
    sources = [source("billing"), source("crm")]
    catalog = Catalog(sources)
    await catalog.refresh()
    for scripted in sources:
        scripted.healthy = False

    result = await report(catalog)

    assert result.failed == ["tool_sources"]
    assert verdicts(result)["tool_sources"] == (False, "none of the 2 tool sources answered")


async def test_not_ready_while_the_catalog_lists_no_tool() -> None:
    catalog = Catalog([source("billing", up=False)])
    await catalog.refresh()

    result = await report(catalog)

    assert "catalog" in result.failed
    assert verdicts(result)["catalog"] == (False, "no tool listed by any of the 1 sources")


async def test_ready_without_any_source_configured() -> None:
    result = await report(Catalog([]))

    assert result.ready
    assert verdicts(result)["catalog"] == (True, "no tool source configured")


async def test_a_frozen_source_does_not_hold_readiness_when_another_answers() -> None:
    frozen, up = source("frozen"), source("billing")
    catalog = Catalog([frozen, up])
    await catalog.refresh()
    frozen.health = never_answers  # type: ignore[method-assign]

    with anyio.fail_after(0.5):  # well below the check's 1 s timeout
        result = await report(catalog)

    assert result.ready


async def test_not_ready_when_the_shared_store_fails() -> None:
    class Broken(MemoryKVStore):
        async def get(self, key: str) -> bytes | None:
            raise ConnectionError("redis://:s3cret@10.0.0.3:6379 refused")

    catalog = Catalog([source("billing")])
    await catalog.refresh()

    result = await report(catalog, Broken())

    assert result.failed == ["state_store"]
    assert verdicts(result)["state_store"] == (False, "failed (ConnectionError)")


# ---------------------------------------------------------------- a real orchestrator on a real Redis


@pytest.fixture
def redis() -> Iterator[emulators.RedisServer]:
    """A Redis of this test's own: it is stopped and started again."""
    try:
        with emulators.redis_server() as server:
            yield server
    except emulators.EmulatorUnavailableError as exc:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but {exc}")
        pytest.skip(str(exc))


def ready_until(url: str, status: int, *, timeout_s: float = 15.0) -> tuple[dict[str, Any], float]:
    """Poll `/health/ready` until it answers `status`; its body and the slowest answer's seconds."""
    deadline, slowest = time.monotonic() + timeout_s, 0.0
    while True:
        start = time.monotonic()
        response = httpx.get(f"{url}/health/ready", timeout=10)
        slowest = max(slowest, time.monotonic() - start)
        if response.status_code == status:
            body: dict[str, Any] = response.json()
            return body, slowest
        if time.monotonic() > deadline:
            raise AssertionError(f"/health/ready still {response.status_code}: {response.text}")
        time.sleep(0.05)


def test_the_orchestrator_is_not_ready_while_redis_is_down_and_ready_again_once_it_is_back(
    redis: emulators.RedisServer, tmp_path: Path
) -> None:
    with serve(billing_app(BillingSettings())) as billing:
        env = {
            "ORCH_SERVICES": json.dumps({"chargebee": billing}),
            "ORCH_STATE_BACKEND": "redis",
            "ORCH_REDIS_URL": redis.url,
            "ORCH_STATE_TIMEOUT_S": "0.5",
        }
        with orchestrator_process(tmp_path, **env) as orchestrator:
            url = orchestrator.url
            ready, _ = ready_until(url, 200)
            assert ready["checks"]["state_store"]["status"] == "ok"

            redis.stop()
            try:
                down, slowest = ready_until(url, 503)
                live = httpx.get(f"{url}/health/live")
                health_answer = httpx.get(f"{url}/health", timeout=10)
            finally:
                redis.start()
            back, _ = ready_until(url, 200)

    assert down["checks"]["state_store"]["status"] == "failed"
    assert down["checks"]["tool_sources"]["status"] == "ok" and down["checks"]["catalog"]["status"] == "ok"
    assert down["error"]["message"] == "not ready: state_store"
    assert redis.url.split("//")[1] not in json.dumps(down)
    assert slowest < 1.5, slowest
    assert (live.status_code, health_answer.status_code) == (200, 200)
    assert back["status"] == "ready"
