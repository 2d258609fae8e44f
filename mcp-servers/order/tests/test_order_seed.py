"""The demo order history and the schema: seeded once, in the past; migrations match the models."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from order_world import ADA, Peers, call, order_settings, serve_order, serve_peers
from sqlalchemy import func, select

from mcp_common.clock import ManualClock
from mcp_common.db import Database
from order_service.app import MIGRATIONS
from order_service.db import Base, OrderEventRow, OrderLineRow, OrderRow
from order_service.lifecycle import OrderTimings
from order_service.seed import demo_order_rows, seed_demo_orders


@pytest.fixture(scope="module")
def peers() -> Iterator[Peers]:
    with serve_peers() as served:
        yield served


def test_seeded_orders_are_finished_before_the_clock_and_add_up() -> None:
    now = ManualClock().now()
    rows = demo_order_rows(now, OrderTimings())
    totals: dict[str, int] = {}
    for line in rows.lines:
        totals[line["order_id"]] = totals.get(line["order_id"], 0) + line["line_total_cents"]

    assert all(e["at"] < now for e in rows.events)
    assert {o["status"] for o in rows.orders} == {"delivered", "cancelled"}
    for order in rows.orders:
        assert order["subtotal_cents"] == totals[order["order_id"]]
        assert order["total_cents"] == order["subtotal_cents"] + order["delivery_fee_cents"]


def test_the_seed_is_deterministic_in_its_ids_and_carts() -> None:
    now = ManualClock().now()
    first = demo_order_rows(now, OrderTimings())
    later = demo_order_rows(now + timedelta(days=3), OrderTimings())

    assert [o["order_id"] for o in first.orders] == [o["order_id"] for o in later.orders]
    assert [line["item_id"] for line in first.lines] == [line["item_id"] for line in later.lines]


async def _counts(db: Database) -> tuple[int, ...]:
    counts = []
    async with db.session() as session:
        for model in (OrderRow, OrderLineRow, OrderEventRow):
            counts.append(int((await session.execute(select(func.count()).select_from(model))).scalar_one()))
    return tuple(counts)


async def test_seeding_twice_or_from_two_instances_at_once_leaves_one_copy(database_url: str) -> None:
    expected = demo_order_rows(ManualClock().now(), OrderTimings())
    instances = [Database(database_url) for _ in range(2)]
    try:
        await instances[0].migrate(MIGRATIONS)
        now = ManualClock().now()
        await asyncio.gather(*(seed_demo_orders(db, now, OrderTimings()) for db in instances))
        await seed_demo_orders(instances[0], now + timedelta(hours=1), OrderTimings())
        counts = await _counts(instances[0])
    finally:
        for db in instances:
            await db.aclose()

    assert counts == (len(expected.orders), len(expected.lines), len(expected.events))


async def test_the_migrations_create_exactly_the_schema_of_the_models(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.migrate(MIGRATIONS)

        differences = await db.schema_drift(Base.metadata, version_table="order_alembic_version")
    finally:
        await db.aclose()

    assert differences == []


def test_the_migrations_ship_with_their_script_template() -> None:
    assert (MIGRATIONS / "script.py.mako").is_file()
    assert (MIGRATIONS / "env.py").is_file()
    assert sorted(p.name for p in Path(MIGRATIONS / "versions").glob("*.py")) == ["0001_orders.py"]


async def test_the_seeded_app_lists_adas_delivered_orders(database_url: str, peers: Peers) -> None:
    clock = ManualClock()
    with serve_order(order_settings(database_url, peers, seed_demo=True), clock) as url:
        async with httpx.AsyncClient(timeout=30) as http:
            body = await call(http, url, "list_orders", {"email": ADA, "limit": 50}, ADA)
            first = body["result"]["orders"][0]["order_id"]
            one = await call(http, url, "get_order", {"order_id": first}, ADA)
            other = await call(http, url, "get_order", {"order_id": first}, "grace@example.com")

    result = body["result"]
    assert result["total_count"] >= 5
    assert all(o["status"] == "delivered" and not o["cancellable"] for o in result["orders"])
    created = [o["created_at"] for o in result["orders"]]
    assert created == sorted(created, reverse=True)
    assert one["result"]["history"][-1]["status"] == "delivered"
    assert other["error"]["code"] == "NOT_FOUND"
