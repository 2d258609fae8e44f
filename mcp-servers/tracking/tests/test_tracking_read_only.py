"""Tracking on a database that takes no writes: an order is tracked with its courier as on any other
day, by a service started on it (a real PostgreSQL made read-only, or a SQLite file opened read-only)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tracking_world import ADA, call, place_order, serve_order_world, serve_tracking, tracking_settings

from mcp_common.clock import ManualClock
from mcp_devtools.postgres import PostgresServer
from tracking_service.couriers import DEMO_COURIERS


@pytest.fixture(params=["postgresql", "sqlite"])
def urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(the URL to set the tracking database up with, the URL of the same database refusing every write)."""
    if request.param == "sqlite":
        path = tmp_path / "tracking.db"
        yield f"sqlite+aiosqlite:///{path}", f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = f"t_{uuid.uuid4().hex[:16]}"
    url = server.create_database(name)
    yield url, url
    server.set_read_only(name, False)


async def test_an_order_is_tracked_with_its_courier_from_a_read_only_database(
    urls: tuple[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    writable, read_only = urls
    clock = ManualClock()
    with serve_order_world(tmp_path / "order.db", clock) as order_url:
        with serve_tracking(tracking_settings(writable, order_url), clock):
            pass  # migrated and seeded with the couriers
        if writable == read_only:
            server: PostgresServer = request.getfixturevalue("postgres")
            server.set_read_only(writable.rsplit("/", 1)[1])
        async with httpx.AsyncClient(timeout=30) as http:
            order_id = await place_order(http, order_url)
            clock.advance(200)
            with serve_tracking(tracking_settings(read_only, order_url), clock) as url:
                first = await call(http, url, "track_order", {"order_id": order_id}, ADA)
                again = await call(http, url, "track_order", {"order_id": order_id}, ADA)

    assert first["ok"], first
    assert first["result"]["status"] == "preparing"
    assert first["result"]["courier"]["name"] in {name for _, name, _, _ in DEMO_COURIERS}
    assert again["result"]["courier"] == first["result"]["courier"]
