"""The order service on a database that takes no writes: every read tool answers, orders in progress
included, and every write is refused with a retryable SERVICE_UNAVAILABLE that says why. Over HTTP
against the real app, with the real menu and customer_profile services, on a real PostgreSQL made
read-only while the service runs, and on PostgreSQL or a SQLite file opened read-only at start."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from order_world import ADA, Peers, call, cart, order_settings, serve_order, serve_peers

from mcp_common.clock import ManualClock
from mcp_devtools.postgres import PostgresServer
from mcp_devtools.pytest_plugin import LockableDatabase


@pytest.fixture(scope="module")
def peers() -> Iterator[Peers]:
    with serve_peers() as served:
        yield served


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


def _quote() -> dict[str, Any]:
    arguments = cart(("m-09", 1))
    arguments.pop("idempotency_key")
    return arguments


async def _reads(http: httpx.AsyncClient, url: str, order_id: str) -> list[Any]:
    """The answers of every read tool, about Ada and her order `order_id`."""
    return [
        await call(http, url, "list_orders", {"email": ADA}, ADA),
        await call(http, url, "get_order", {"order_id": order_id}, ADA),
        await call(http, url, "quote_order", _quote(), ADA),
    ]


async def _writes(http: httpx.AsyncClient, url: str, order_id: str) -> list[Any]:
    """The answers of every write tool: a new order, and cancelling `order_id`."""
    return [
        await call(http, url, "create_order", cart(("m-10", 1), key="key-read-only-1"), ADA),
        await call(http, url, "cancel_order", {"order_id": order_id, "reason": "changed my mind"}, ADA),
    ]


def _refused(bodies: list[Any]) -> None:
    for body in bodies:
        assert body["ok"] is False, body
        assert body["error"]["code"] == "SERVICE_UNAVAILABLE" and body["error"]["retryable"] is True
        assert "read-only" in body["error"]["message"] and "nothing was changed" in body["error"]["message"]


async def test_a_running_service_whose_database_turns_read_only_still_answers_every_read(
    http: httpx.AsyncClient, postgres: PostgresServer, peers: Peers
) -> None:
    name = f"t_{uuid.uuid4().hex[:16]}"
    clock = ManualClock()
    with serve_order(order_settings(postgres.create_database(name), peers), clock) as url:
        placed = await call(http, url, "create_order", cart(("m-09", 2)), ADA)
        order_id = placed["result"]["order_id"]
        clock.advance(200)  # the kitchen is preparing it
        postgres.set_read_only(name)
        reads = await _reads(http, url, order_id)
        writes = await _writes(http, url, order_id)
        replayed = await call(http, url, "create_order", cart(("m-09", 2)), ADA)
        postgres.set_read_only(name, False)
        cancelled = await call(http, url, "cancel_order", {"order_id": order_id, "reason": "changed my mind"}, ADA)

    assert all(body["ok"] for body in reads), reads
    listed, got, _ = (body["result"] for body in reads)
    assert [o["status"] for o in listed["orders"]] == ["preparing"] and got["status"] == "preparing"
    _refused(writes)
    assert replayed["ok"] and replayed["result"]["order_id"] == order_id  # a repeated key is only read
    assert cancelled["ok"] and cancelled["result"]["status"] == "cancelled"


async def test_a_service_started_on_a_read_only_database_answers_every_read_and_refuses_writes(
    http: httpx.AsyncClient, lockable_database: LockableDatabase, peers: Peers
) -> None:
    clock = ManualClock()
    with serve_order(order_settings(lockable_database.url, peers, seed_demo=True), clock) as url:
        order_id = (await call(http, url, "create_order", cart(("m-09", 2)), ADA))["result"]["order_id"]
    read_only = lockable_database.lock()
    clock.advance(40)
    with serve_order(order_settings(read_only, peers, seed_demo=True), clock) as url:
        reads = await _reads(http, url, order_id)
        writes = await _writes(http, url, order_id)

    assert all(body["ok"] for body in reads), reads
    listed = reads[0]["result"]
    assert listed["total_count"] == 7  # Ada's six demo orders and the new one
    assert listed["orders"][0]["order_id"] == order_id and listed["orders"][0]["status"] == "confirmed"
    _refused(writes)
