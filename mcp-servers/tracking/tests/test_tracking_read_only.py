"""Tracking on a database that takes no writes: an order is tracked with its courier as on any other
day, by a service started on it (a real PostgreSQL made read-only, or a SQLite file opened read-only)."""

from __future__ import annotations

from pathlib import Path

import httpx
from tracking_world import ADA, call, place_order, serve_order_world, serve_tracking, tracking_settings

from mcp_common.clock import ManualClock
from mcp_devtools.pytest_plugin import LockableDatabase
from tracking_service.couriers import DEMO_COURIERS


async def test_an_order_is_tracked_with_its_courier_from_a_read_only_database(
    lockable_database: LockableDatabase, tmp_path: Path
) -> None:
    clock = ManualClock()
    with serve_order_world(tmp_path / "order.db", clock) as order_url:
        with serve_tracking(tracking_settings(lockable_database.url, order_url), clock):
            pass  # migrated and seeded with the couriers
        read_only = lockable_database.lock()
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
