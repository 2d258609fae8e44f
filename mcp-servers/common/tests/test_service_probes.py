"""A service app's probes: `/health/live` checks nothing, `/health/ready` runs the checks it was given."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from demo_registry import build_demo_registry
from fastapi import FastAPI

from mcp_common.app import create_service_app
from mcp_common.readiness import Check, ProbeError
from mcp_devtools.testing import serve


class Switch:
    """A dependency the test turns on and off; counts the checks made of it."""

    def __init__(self) -> None:
        self.up = True
        self.calls = 0

    async def __call__(self) -> str | None:
        self.calls += 1
        await asyncio.sleep(0.05)  # a round trip, so that a burst arrives while the round runs
        if not self.up:
            raise ProbeError("the database cannot be reached (ConnectionRefusedError)")
        return None


@pytest.fixture
def database() -> Switch:
    return Switch()


@pytest.fixture
def service(database: Switch) -> Iterator[tuple[FastAPI, str]]:
    app = create_service_app(build_demo_registry(), readiness_checks=[Check("database", database)])
    with serve(app) as url:
        yield app, url


def test_live_answers_without_checking_anything(service: tuple[FastAPI, str], database: Switch) -> None:
    _, url = service
    database.up = False

    response = httpx.get(f"{url}/health/live")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert database.calls == 0


def test_ready_is_503_naming_the_failed_check_and_health_stays_as_it_was(
    service: tuple[FastAPI, str], database: Switch
) -> None:
    _, url = service
    database.up = False

    ready = httpx.get(f"{url}/health/ready")
    health = httpx.get(f"{url}/health")

    assert ready.status_code == 503
    assert ready.json()["status"] == "not_ready"
    assert ready.json()["checks"]["database"]["status"] == "failed"
    assert ready.json()["checks"]["database"]["reason"] == "the database cannot be reached (ConnectionRefusedError)"
    # The error envelope every app answers errors with, and the checks.
    assert ready.json()["error"] == {"code": "SERVICE_UNAVAILABLE", "message": "not ready: database", "retryable": True}
    assert ready.json()["trace_id"] == ready.headers["x-trace-id"] and "timestamp" in ready.json()
    assert (health.status_code, health.json()["status"]) == (200, "ok")


async def test_a_burst_of_probes_on_the_server_makes_one_check_round(
    service: tuple[FastAPI, str], database: Switch
) -> None:
    app, url = service

    async with httpx.AsyncClient(base_url=url, timeout=5) as client:
        replies = await asyncio.gather(*(client.get("/health/ready") for _ in range(50)))

    assert {reply.status_code for reply in replies} == {200}
    assert {reply.json()["status"] for reply in replies} == {"ready"}
    assert replies[0].json()["checks"]["database"]["status"] == "ok" and "error" not in replies[0].json()
    assert database.calls == 1 and app.state.readiness.rounds == 1


def test_a_service_without_checks_is_ready() -> None:
    with serve(create_service_app(build_demo_registry())) as url:
        response = httpx.get(f"{url}/health/ready")

    assert (response.status_code, response.json()) == (200, {"status": "ready", "checks": {}})
