"""The shared readiness checks in service processes started as users start them (`python -m <service>`):
a database that goes away, a peer that is down, a peer that is frozen."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from demo_registry import build_demo_registry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from mcp_common.app import create_service_app
from mcp_devtools.postgres import PostgresServer
from mcp_devtools.testing import free_port, serve, wait_healthy

CHECK_TIMEOUT_S = 1.0
SLACK_S = 0.5  # scheduling and the HTTP round trip on a busy test machine


@contextmanager
def service(module: str, prefix: str, **settings: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`python -m <module>` with only `settings` of its own (`<PREFIX>` added), answering `/health/live`."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefix) and k not in ("PORT", "K_SERVICE")}
    env |= {f"{prefix}{k}": v for k, v in settings.items()} | {
        f"{prefix}PORT": str(port),
        f"{prefix}LOG_LEVEL": "ERROR",
    }
    process = subprocess.Popen([sys.executable, "-m", module], env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(f"{url}/health/live")
        yield url, process
    finally:
        process.send_signal(signal.SIGCONT)  # a frozen process cannot act on SIGTERM
        process.terminate()
        process.wait(15)


def until(url: str, status: int, *, timeout_s: float = 15.0) -> dict[str, Any]:
    """Poll `/health/ready` until it answers `status` (the last verdict is kept up to 2 s); its body."""
    deadline = time.monotonic() + timeout_s
    while True:
        response = httpx.get(f"{url}/health/ready", timeout=10)
        if response.status_code == status:
            body: dict[str, Any] = response.json()
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"/health/ready still {response.status_code}: {response.text}")
        time.sleep(0.05)


def drop(postgres: PostgresServer, database_url: str) -> None:
    """`DROP DATABASE … WITH (FORCE)`: the service's connections are ended and the database is gone."""
    name = database_url.rsplit("/", 1)[1]

    async def run() -> None:
        engine = create_async_engine(postgres.url(), isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await engine.dispose()

    asyncio.run(run())


def test_a_service_whose_database_is_gone_is_not_ready_and_still_live(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if database_url.startswith("sqlite"):
        database_url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'menu.db'}"
    with service("menu_service", "MENU_", DATABASE_URL=database_url) as (url, _):
        ready = until(url, 200)
        assert ready["checks"]["database"]["status"] == "ok"

        if database_url.startswith("sqlite"):
            shutil.rmtree(tmp_path / "data")  # the file and the directory it was in
        else:
            drop(request.getfixturevalue("postgres"), database_url)
        body = until(url, 503)

        assert body["status"] == "not_ready"
        assert body["checks"]["database"]["status"] == "failed"
        assert body["checks"]["database"]["reason"].startswith("the database failed the check (")
        assert body["error"]["message"] == "not ready: database"
        assert "postgres" not in body["checks"]["database"]["reason"] and str(tmp_path) not in str(body)
        assert httpx.get(f"{url}/health/live").status_code == 200
        assert httpx.get(f"{url}/health").status_code == 200


@pytest.fixture
def profiles() -> Iterator[str]:
    """A stand-in customer_profile: any service app answers `/health/live`."""
    with serve(create_service_app(build_demo_registry())) as url:
        yield url


def test_a_service_whose_peer_is_down_is_not_ready_until_the_peer_answers(tmp_path: Path, profiles: str) -> None:
    menu_port = free_port()
    settings = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'order.db'}",
        "MENU_URL": f"http://127.0.0.1:{menu_port}",
        "CUSTOMER_PROFILE_URL": profiles,
        "SERVICE_AUTH": "none",
    }
    with service("order_service", "ORDER_", **settings) as (url, _):
        body = until(url, 503)

        assert body["checks"]["menu"]["status"] == "failed"
        assert body["checks"]["menu"]["reason"].startswith("menu is unreachable (")
        assert body["checks"]["customer_profile"]["status"] == "ok"
        assert body["checks"]["database"]["status"] == "ok"

        with serve(create_service_app(build_demo_registry()), port=menu_port):
            assert until(url, 200)["status"] == "ready"


def test_a_frozen_peer_costs_readiness_its_timeout_and_no_more(tmp_path: Path, profiles: str) -> None:
    menu_db = f"sqlite+aiosqlite:///{tmp_path / 'menu.db'}"
    with service("menu_service", "MENU_", DATABASE_URL=menu_db) as (menu_url, menu):
        settings = {
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'order.db'}",
            "MENU_URL": menu_url,
            "CUSTOMER_PROFILE_URL": profiles,
            "SERVICE_AUTH": "none",
        }
        with service("order_service", "ORDER_", **settings) as (url, _):
            until(url, 200)
            menu.send_signal(signal.SIGSTOP)
            try:
                timings = []
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline:
                    start = time.monotonic()
                    response = httpx.get(f"{url}/health/ready", timeout=10)
                    timings.append(time.monotonic() - start)
                    if response.status_code == 503:
                        break
                body = response.json()
                with httpx.Client(timeout=10) as client:
                    for _ in range(10):  # probes during the freeze, cached or not: none waits longer
                        start = time.monotonic()
                        client.get(f"{url}/health/ready")
                        timings.append(time.monotonic() - start)
            finally:
                menu.send_signal(signal.SIGCONT)

            assert body["checks"]["menu"]["status"] == "failed"
            assert body["checks"]["menu"]["reason"] in ("no answer within 1s", "menu did not answer within 1s")
            assert body["checks"]["database"]["status"] == "ok"
            assert max(timings) < CHECK_TIMEOUT_S + SLACK_S, timings
            assert until(url, 200)["status"] == "ready"
