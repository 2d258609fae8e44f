"""`track_order` over HTTP against the REAL order service (real menu and profile behind it), on
SQLite and PostgreSQL; time moves only when the test moves the shared `ManualClock`."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from tracking_world import ADA, GRACE, call, place_order, serve_order_world, serve_tracking, tracking_settings

from mcp_common.clock import ManualClock
from mcp_common.db import Database
from mcp_devtools.testing import free_port
from tracking_service.couriers import DEMO_COURIERS
from tracking_service.db import AssignmentRow

PATH = ["placed", "confirmed", "preparing", "out_for_delivery", "delivered"]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def order_url(tmp_path: Path, clock: ManualClock) -> Iterator[str]:
    with serve_order_world(tmp_path / "order.db", clock) as url:
        yield url


@pytest.fixture
def url(database_url: str, order_url: str, clock: ManualClock) -> Iterator[str]:
    with serve_tracking(tracking_settings(database_url, order_url), clock) as base:
        yield base


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


async def _track(http: httpx.AsyncClient, url: str, order_id: str, caller: str | None = ADA) -> Any:
    return await call(http, url, "track_order", {"order_id": order_id}, caller)


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


async def test_a_new_order_shows_the_whole_path_ahead_and_its_eta(
    http: httpx.AsyncClient, url: str, order_url: str, clock: ManualClock
) -> None:
    t0 = clock.now()
    order_id = await place_order(http, order_url)

    body = await _track(http, url, order_id)

    result = body["result"]
    assert (result["order_id"], result["status"], result["courier"]) == (order_id, "placed", None)
    assert [(s["status"], _at(s["at"]), s["done"]) for s in result["timeline"]] == [
        ("placed", t0, True),
        ("confirmed", None, False),
        ("preparing", None, False),
        ("out_for_delivery", None, False),
        ("delivered", None, False),
    ]
    assert _at(result["eta"]) == t0 + timedelta(seconds=1650)
    assert result["eta_minutes"] == 28
    assert _at(result["updated_at"]) == t0
    assert "waiting for the restaurant" in result["summary"]


async def test_a_courier_is_assigned_once_preparing_and_stays_to_the_door(
    http: httpx.AsyncClient, url: str, order_url: str, clock: ManualClock
) -> None:
    t0 = clock.now()
    order_id = await place_order(http, order_url)
    seen = []
    for seconds in (30, 120, 600, 900):
        clock.advance(seconds)
        seen.append((await _track(http, url, order_id))["result"])

    assert [r["status"] for r in seen] == ["confirmed", "preparing", "out_for_delivery", "delivered"]
    assert seen[0]["courier"] is None
    couriers = [r["courier"] for r in seen[1:]]
    assert couriers[0] is not None and couriers[0] == couriers[1] == couriers[2]
    assert re.fullmatch(r"\+44 \*{4} \*{3}\d{3}", couriers[0]["phone_masked"])
    assert [r["eta_minutes"] for r in seen] == [28 - 1, 25, 15, None]
    assert seen[-1]["eta"] is None
    assert [(s["status"], datetime.fromisoformat(s["at"]) - t0, s["done"]) for s in seen[-1]["timeline"]] == [
        ("placed", timedelta(0), True),
        ("confirmed", timedelta(seconds=30), True),
        ("preparing", timedelta(seconds=150), True),
        ("out_for_delivery", timedelta(seconds=750), True),
        ("delivered", timedelta(seconds=1650), True),
    ]
    assert _at(seen[-1]["updated_at"]) == t0 + timedelta(seconds=1650)
    assert couriers[0]["name"] in seen[1]["summary"]


async def test_the_courier_is_stable_across_concurrent_calls_and_restarts(
    http: httpx.AsyncClient, database_url: str, order_url: str, clock: ManualClock
) -> None:
    order_id = await place_order(http, order_url)
    clock.advance(200)
    with serve_tracking(tracking_settings(database_url, order_url), clock) as url:
        bodies = await asyncio.gather(*(_track(http, url, order_id) for _ in range(10)))
    with serve_tracking(tracking_settings(database_url, order_url), clock) as url:
        clock.advance(600)
        later = await _track(http, url, order_id)

    couriers = {tuple(b["result"]["courier"].items()) for b in bodies}
    assert len(couriers) == 1
    assert tuple(later["result"]["courier"].items()) in couriers
    db = Database(database_url)
    try:
        async with db.session() as session:
            assigned = (await session.execute(select(func.count()).select_from(AssignmentRow))).scalar_one()
    finally:
        await db.aclose()
    assert assigned == 0  # tracking is a read: the courier is never recorded


async def test_a_cancelled_order_shows_where_it_stopped(
    http: httpx.AsyncClient, url: str, order_url: str, clock: ManualClock
) -> None:
    order_id = await place_order(http, order_url)
    clock.advance(40)
    cancelled = await call(http, order_url, "cancel_order", {"order_id": order_id, "reason": "changed plans"}, ADA)
    assert cancelled["ok"], cancelled

    result = (await _track(http, url, order_id))["result"]

    assert result["status"] == "cancelled"
    assert [(s["status"], s["done"]) for s in result["timeline"]] == [
        ("placed", True),
        ("confirmed", True),
        ("cancelled", True),
    ]
    assert (result["courier"], result["eta"], result["eta_minutes"]) == (None, None, None)
    assert _at(result["updated_at"]) == clock.now()
    assert result["summary"].startswith("Your order was cancelled")


async def test_someone_elses_order_is_indistinguishable_from_a_missing_one(
    http: httpx.AsyncClient, url: str, order_url: str
) -> None:
    order_id = await place_order(http, order_url)

    theirs = await _track(http, url, order_id, GRACE)
    guessed = await _track(http, url, "ord-123456789abc", GRACE)

    assert theirs["error"] == {"code": "NOT_FOUND", "message": f"order {order_id} not found", "retryable": False}
    assert guessed["error"] == {"code": "NOT_FOUND", "message": "order ord-123456789abc not found", "retryable": False}


async def test_tracking_without_a_caller_is_forbidden(http: httpx.AsyncClient, url: str, order_url: str) -> None:
    order_id = await place_order(http, order_url)

    body = await _track(http, url, order_id, None)

    assert body["error"] == {
        "code": "FORBIDDEN",
        "message": "track_order needs the caller's identity",
        "retryable": False,
    }


async def test_an_unreachable_order_service_is_service_unavailable(
    http: httpx.AsyncClient, database_url: str, clock: ManualClock
) -> None:
    settings = tracking_settings(database_url, f"http://127.0.0.1:{free_port()}")
    with serve_tracking(settings, clock) as url:
        body = await _track(http, url, "ord-123456789abc")

    assert body["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert body["error"]["retryable"] is True


async def test_an_old_delivered_order_gets_a_courier_the_first_time_it_is_tracked(
    http: httpx.AsyncClient, database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    with serve_order_world(tmp_path / "seeded.db", clock, seed_demo=True) as order_url:
        orders = await call(http, order_url, "list_orders", {"email": ADA, "limit": 1}, ADA)
        order_id = orders["result"]["orders"][0]["order_id"]
        with serve_tracking(tracking_settings(database_url, order_url), clock) as url:
            result = (await _track(http, url, order_id))["result"]

    assert result["status"] == "delivered"
    assert all(step["done"] for step in result["timeline"])
    assert result["courier"]["name"] in {name for _, name, _, _ in DEMO_COURIERS}
    assert result["summary"].startswith("Your order was delivered at")


async def test_without_couriers_an_order_is_tracked_without_one(
    http: httpx.AsyncClient, database_url: str, order_url: str, clock: ManualClock
) -> None:
    order_id = await place_order(http, order_url)
    clock.advance(200)
    with serve_tracking(tracking_settings(database_url, order_url, seed_demo=False), clock) as url:
        result = (await _track(http, url, order_id))["result"]

    assert (result["status"], result["courier"]) == ("preparing", None)
    assert "A courier will deliver it" in result["summary"]
