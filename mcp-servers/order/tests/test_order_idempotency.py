"""One idempotency key, one order: even for 50 identical calls at once over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from order_world import ADA, Peers, call, cart, order_settings, serve_order, serve_peers
from sqlalchemy import func, select

from mcp_common.clock import ManualClock
from mcp_common.db import Database
from order_service.db import OrderLineRow, OrderRow


@pytest.fixture(scope="module")
def peers() -> Iterator[Peers]:
    with serve_peers() as served:
        yield served


async def _count(database_url: str, model: type[OrderRow] | type[OrderLineRow]) -> int:
    db = Database(database_url)
    try:
        async with db.session() as session:
            return int((await session.execute(select(func.count()).select_from(model))).scalar_one())
    finally:
        await db.aclose()


async def test_fifty_concurrent_calls_with_one_key_place_one_order(database_url: str, peers: Peers) -> None:
    with serve_order(order_settings(database_url, peers), ManualClock()) as url:
        async with httpx.AsyncClient(timeout=60) as http:
            bodies = await asyncio.gather(
                *(call(http, url, "create_order", cart(("m-09", 2), ("m-57", 1)), ADA) for _ in range(50))
            )

    assert all(body["ok"] for body in bodies), [b["error"] for b in bodies if not b["ok"]][:3]
    assert len({body["result"]["order_id"] for body in bodies}) == 1
    assert await _count(database_url, OrderRow) == 1
    assert await _count(database_url, OrderLineRow) == 2


async def test_concurrent_calls_with_one_key_and_different_carts_place_one_order_and_conflict(
    database_url: str, peers: Peers
) -> None:
    carts = [cart(("m-09", 1 + n % 2)) for n in range(20)]
    with serve_order(order_settings(database_url, peers), ManualClock()) as url:
        async with httpx.AsyncClient(timeout=60) as http:
            bodies = await asyncio.gather(*(call(http, url, "create_order", c, ADA) for c in carts))

    placed = {body["result"]["order_id"] for body in bodies if body["ok"]}
    quantities = {body["result"]["items"][0]["quantity"] for body in bodies if body["ok"]}
    assert len(placed) == 1 and len(quantities) == 1
    assert {body["error"]["code"] for body in bodies if not body["ok"]} == {"CONFLICT"}
    assert sum(body["ok"] for body in bodies) == 10
    assert await _count(database_url, OrderRow) == 1


async def test_the_same_key_may_be_used_by_two_customers(database_url: str, peers: Peers) -> None:
    grace = {**cart(("m-28", 1), address_id="addr-grace-home"), "email": "grace@example.com"}
    with serve_order(order_settings(database_url, peers), ManualClock()) as url:
        async with httpx.AsyncClient(timeout=60) as http:
            mine = await call(http, url, "create_order", cart(("m-09", 1)), ADA)
            theirs = await call(http, url, "create_order", grace, "grace@example.com")

    assert mine["ok"] and theirs["ok"]
    assert mine["result"]["order_id"] != theirs["result"]["order_id"]
