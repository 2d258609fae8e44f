"""The order tools over real HTTP against the real app, with the real menu and customer_profile services,
on SQLite and PostgreSQL; time moves only when the test moves the `ManualClock`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from order_world import ADA, GRACE, Peers, call, cart, order_settings, serve_order, serve_peers, unreachable_url
from sqlalchemy import select

from mcp_common.clock import ManualClock
from mcp_common.db import Database
from order_service.db import OrderEventRow, OrderRow


@pytest.fixture(scope="module")
def peers() -> Iterator[Peers]:
    with serve_peers() as served:
        yield served


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def url(database_url: str, peers: Peers, clock: ManualClock) -> Iterator[str]:
    with serve_order(order_settings(database_url, peers), clock) as base:
        yield base


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


async def _place(http: httpx.AsyncClient, url: str, **kwargs: Any) -> Any:
    body = await call(http, url, "create_order", cart(("m-09", 2), ("m-49", 1), **kwargs), ADA)
    assert body["ok"] is True, body
    return body["result"]


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_an_order_is_priced_from_the_menu_and_delivered_to_the_chosen_address(
    http: httpx.AsyncClient, url: str, clock: ManualClock
) -> None:
    order = await _place(http, url, address_id="addr-ada-work")

    assert order["order_id"].startswith("ord-") and len(order["order_id"]) == 16
    assert (order["email"], order["status"], order["currency"], order["cancellable"]) == (ADA, "placed", "GBP", True)
    lines = [
        (i["item_id"], i["name"], i["quantity"], i["unit_price_cents"], i["line_total_cents"]) for i in order["items"]
    ]
    assert lines == [("m-09", "Paneer Tikka Masala", 2, 1250, 2500), ("m-49", "Mango Lassi", 1, 395, 395)]
    assert (order["subtotal_cents"], order["delivery_fee_cents"], order["total_cents"]) == (2895, 299, 3194)
    assert order["delivery_address"]["address_id"] == "addr-ada-work"
    assert order["delivery_address"]["label"] == "work"
    assert _at(order["created_at"]) == clock.now()
    assert _at(order["estimated_delivery_at"]) == clock.now() + timedelta(seconds=1650)
    assert [(h["status"], _at(h["at"])) for h in order["history"]] == [("placed", clock.now())]


async def test_a_quote_prices_the_cart_like_an_order_and_writes_nothing(http: httpx.AsyncClient, url: str) -> None:
    arguments = cart(("m-09", 2), ("m-49", 1), address_id="addr-ada-work")
    arguments.pop("idempotency_key")
    quote = (await call(http, url, "quote_order", arguments, ADA))["result"]
    order = await _place(http, url, address_id="addr-ada-work")

    assert [(i["item_id"], i["quantity"], i["line_total_cents"]) for i in quote["items"]] == [
        (i["item_id"], i["quantity"], i["line_total_cents"]) for i in order["items"]
    ]
    assert (quote["subtotal_cents"], quote["delivery_fee_cents"], quote["total_cents"]) == (2895, 299, 3194)
    assert quote["delivery_address"] == order["delivery_address"]
    assert quote["estimated_delivery_minutes"] == 28
    listed = (await call(http, url, "list_orders", {"email": ADA}, ADA))["result"]
    assert [o["order_id"] for o in listed["orders"]] == [order["order_id"]]


async def test_a_quote_checks_items_and_address_like_an_order(http: httpx.AsyncClient, url: str) -> None:
    unknown = cart(("m-99", 1))
    unknown.pop("idempotency_key")
    foreign = cart(("m-09", 1), address_id="addr-grace-home")
    foreign.pop("idempotency_key")

    assert (await call(http, url, "quote_order", unknown, ADA))["error"]["code"] == "INVALID_REQUEST"
    assert (await call(http, url, "quote_order", foreign, ADA))["error"]["code"] == "INVALID_REQUEST"
    assert (await call(http, url, "quote_order", {**unknown, "email": ADA}, GRACE))["error"]["code"] == "FORBIDDEN"


async def test_delivery_is_free_from_a_thirty_pound_subtotal(http: httpx.AsyncClient, url: str) -> None:
    body = await call(http, url, "create_order", cart(("m-09", 2), ("m-10", 1)), ADA)

    result = body["result"]
    assert (result["subtotal_cents"], result["delivery_fee_cents"], result["total_cents"]) == (3550, 0, 3550)


async def test_prices_sent_by_the_caller_are_ignored(http: httpx.AsyncClient, url: str) -> None:
    arguments = cart(("m-09", 1))
    arguments["items"][0]["unit_price_cents"] = 1

    body = await call(http, url, "create_order", arguments, ADA)

    assert body["result"]["items"][0]["unit_price_cents"] == 1250


async def test_unknown_items_are_an_invalid_request_naming_them(http: httpx.AsyncClient, url: str) -> None:
    one = await call(http, url, "create_order", cart(("m-09", 1), ("m-99", 1)), ADA)
    two = await call(http, url, "create_order", cart(("m-98", 1), ("m-99", 1), key="key-00000002"), ADA)

    assert one["error"] == {"code": "INVALID_REQUEST", "message": "item m-99 does not exist", "retryable": False}
    assert two["error"]["message"] == "items m-98, m-99 do not exist"


async def test_unavailable_items_are_a_conflict_naming_them(http: httpx.AsyncClient, url: str) -> None:
    body = await call(http, url, "create_order", cart(("m-09", 1), ("m-22", 1)), ADA)

    assert body["error"]["code"] == "CONFLICT"
    assert body["error"]["message"] == "not available right now: Spinach and Ricotta Cannelloni (m-22)"


async def test_an_address_that_is_not_the_callers_is_an_invalid_request(http: httpx.AsyncClient, url: str) -> None:
    body = await call(http, url, "create_order", cart(("m-09", 1), address_id="addr-grace-home"), ADA)

    assert body["error"]["code"] == "INVALID_REQUEST"
    assert body["error"]["message"] == "address addr-grace-home is not one of your saved addresses"


async def test_ordering_for_someone_else_is_forbidden(http: httpx.AsyncClient, url: str) -> None:
    body = await call(http, url, "create_order", cart(("m-09", 1)), GRACE)

    assert body["error"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"idempotency_key": "short"}, "idempotency_key"),
        ({"items": []}, "items"),
        ({"items": [{"item_id": "m-09", "quantity": 21}]}, "items.0.quantity"),
        ({"items": [{"item_id": "m-09", "quantity": 1, "notes": "x" * 201}]}, "items.0.notes"),
        ({"items": [{"item_id": "m-09", "quantity": 1}] * 21}, "items"),
    ],
)
async def test_malformed_orders_are_rejected_before_anything_is_read(
    http: httpx.AsyncClient, url: str, change: dict[str, Any], where: str
) -> None:
    body = await call(http, url, "create_order", {**cart(("m-09", 1)), **change}, ADA)

    assert body["error"]["code"] == "INVALID_REQUEST"
    assert where in body["error"]["message"]


async def test_repeating_a_key_returns_the_same_order_and_a_different_cart_conflicts(
    http: httpx.AsyncClient, url: str
) -> None:
    first = await _place(http, url)
    again = await _place(http, url)
    other = await call(http, url, "create_order", cart(("m-10", 1)), ADA)
    listed = await call(http, url, "list_orders", {"email": ADA}, ADA)

    assert again == first
    assert other["error"]["code"] == "CONFLICT"
    assert "key-00000001" in other["error"]["message"]
    assert listed["result"]["total_count"] == 1


async def test_a_replay_is_answered_even_while_the_menu_is_down(
    http: httpx.AsyncClient, database_url: str, peers: Peers, clock: ManualClock
) -> None:
    with serve_order(order_settings(database_url, peers), clock) as url:
        first = await _place(http, url)
    down = Peers(unreachable_url(), unreachable_url())
    with serve_order(order_settings(database_url, down), clock) as url:
        again = await _place(http, url)
        fresh = await call(http, url, "create_order", cart(("m-09", 1), key="key-00000002"), ADA)

    assert again["order_id"] == first["order_id"]
    assert fresh["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert fresh["error"]["retryable"] is True


async def test_a_missing_profile_is_an_invalid_request(http: httpx.AsyncClient, url: str) -> None:
    arguments = {**cart(("m-09", 1)), "email": "nobody@example.com"}

    body = await call(http, url, "create_order", arguments, "nobody@example.com")

    assert body["error"]["code"] == "INVALID_REQUEST"
    assert "no customer profile" in body["error"]["message"]


async def test_the_owner_reads_the_order_and_anyone_else_gets_the_answer_of_a_missing_id(
    http: httpx.AsyncClient, url: str
) -> None:
    order = await _place(http, url)
    order_id = order["order_id"]

    mine = await call(http, url, "get_order", {"order_id": order_id}, ADA)
    theirs = await call(http, url, "get_order", {"order_id": order_id}, GRACE)
    guessed = await call(http, url, "get_order", {"order_id": "ord-000000000000"}, GRACE)

    assert mine["result"] == order
    assert theirs["error"] == {"code": "NOT_FOUND", "message": f"order {order_id} not found", "retryable": False}
    assert guessed["error"] == {"code": "NOT_FOUND", "message": "order ord-000000000000 not found", "retryable": False}


@pytest.mark.parametrize("tool", ["get_order", "cancel_order"])
async def test_order_tools_without_a_caller_are_forbidden(http: httpx.AsyncClient, url: str, tool: str) -> None:
    order = await _place(http, url)

    body = await call(http, url, tool, {"order_id": order["order_id"], "reason": "changed my mind"}, None)

    assert body["error"]["code"] == "FORBIDDEN"
    assert body["error"]["message"] == f"{tool} needs the caller's identity"


async def test_orders_advance_with_time_with_history_stamped_at_the_scheduled_times(
    http: httpx.AsyncClient, url: str, clock: ManualClock
) -> None:
    t0 = clock.now()
    order_id = (await _place(http, url))["order_id"]
    seen = []
    for seconds in (29, 1, 200, 600, 2000):
        clock.advance(seconds)
        seen.append((await call(http, url, "get_order", {"order_id": order_id}, ADA))["result"])

    assert [o["status"] for o in seen] == ["placed", "confirmed", "preparing", "out_for_delivery", "delivered"]
    assert [o["cancellable"] for o in seen] == [True, True, True, False, False]
    assert [(h["status"], _at(h["at"]) - t0) for h in seen[-1]["history"]] == [
        ("placed", timedelta(0)),
        ("confirmed", timedelta(seconds=30)),
        ("preparing", timedelta(seconds=150)),
        ("out_for_delivery", timedelta(seconds=750)),
        ("delivered", timedelta(seconds=1650)),
    ]
    assert _at(seen[-1]["estimated_delivery_at"]) == t0 + timedelta(seconds=1650)


async def _stored(database_url: str, order_id: str) -> tuple[str, list[str]]:
    """The order's status and history as the database holds them."""
    db = Database(database_url)
    try:
        async with db.session() as session:
            row = await session.get(OrderRow, order_id)
            events = await session.execute(
                select(OrderEventRow.status).where(OrderEventRow.order_id == order_id).order_by(OrderEventRow.at)
            )
            assert row is not None
            return row.status, list(events.scalars())
    finally:
        await db.aclose()


async def test_reading_an_order_writes_nothing_and_a_cancellation_stores_the_steps_it_took(
    http: httpx.AsyncClient, url: str, clock: ManualClock, database_url: str
) -> None:
    order_id = (await _place(http, url))["order_id"]
    clock.advance(200)
    read = (await call(http, url, "get_order", {"order_id": order_id}, ADA))["result"]
    await call(http, url, "list_orders", {"email": ADA}, ADA)
    after_reads = await _stored(database_url, order_id)

    cancelled = (await call(http, url, "cancel_order", {"order_id": order_id, "reason": "late"}, ADA))["result"]

    assert read["status"] == "preparing"
    assert after_reads == ("placed", ["placed"])
    assert await _stored(database_url, order_id) == ("cancelled", ["placed", "confirmed", "preparing", "cancelled"])
    assert cancelled["history"][:3] == read["history"]


async def test_reads_long_after_placing_all_answer_the_same_finished_history(
    http: httpx.AsyncClient, url: str, clock: ManualClock
) -> None:
    order_id = (await _place(http, url))["order_id"]
    clock.advance(timedelta(hours=2))

    reads = [(await call(http, url, "get_order", {"order_id": order_id}, ADA))["result"] for _ in range(3)]

    assert reads[0] == reads[1] == reads[2]
    assert [h["status"] for h in reads[0]["history"]] == [
        "placed", "confirmed", "preparing", "out_for_delivery", "delivered"
    ]  # fmt: skip


async def test_timings_are_configurable(
    http: httpx.AsyncClient, database_url: str, peers: Peers, clock: ManualClock
) -> None:
    timings = {"confirmed": 1, "preparing": 1, "out_for_delivery": 1, "delivered": 1}
    with serve_order(order_settings(database_url, peers, timings=timings), clock) as url:
        order = await _place(http, url)
        clock.advance(3)
        later = await call(http, url, "get_order", {"order_id": order["order_id"]}, ADA)

    assert _at(order["estimated_delivery_at"]) - _at(order["created_at"]) == timedelta(seconds=4)
    assert later["result"]["status"] == "out_for_delivery"


async def test_an_order_can_be_cancelled_while_the_kitchen_prepares_it(
    http: httpx.AsyncClient, url: str, clock: ManualClock
) -> None:
    order_id = (await _place(http, url))["order_id"]
    clock.advance(200)

    body = await call(http, url, "cancel_order", {"order_id": order_id, "reason": "  ordered twice  "}, ADA)
    clock.advance(3600)
    later = await call(http, url, "get_order", {"order_id": order_id}, ADA)

    cancelled = body["result"]
    assert (cancelled["status"], cancelled["cancellable"], cancelled["estimated_delivery_at"]) == (
        "cancelled", False, None
    )  # fmt: skip
    assert [h["status"] for h in cancelled["history"]] == ["placed", "confirmed", "preparing", "cancelled"]
    assert cancelled["history"][-1]["note"] == "Cancelled by the customer: ordered twice"
    assert later["result"] == cancelled


async def test_an_order_out_for_delivery_cannot_be_cancelled(
    http: httpx.AsyncClient, url: str, clock: ManualClock
) -> None:
    order_id = (await _place(http, url))["order_id"]
    clock.advance(750)

    body = await call(http, url, "cancel_order", {"order_id": order_id, "reason": "too slow"}, ADA)

    assert body["error"] == {
        "code": "CONFLICT",
        "message": f"order {order_id} can no longer be cancelled: it is out_for_delivery",
        "retryable": False,
    }


async def test_cancelling_twice_is_a_conflict_naming_the_status(http: httpx.AsyncClient, url: str) -> None:
    order_id = (await _place(http, url))["order_id"]
    await call(http, url, "cancel_order", {"order_id": order_id, "reason": "oops"}, ADA)

    again = await call(http, url, "cancel_order", {"order_id": order_id, "reason": "oops"}, ADA)

    assert again["error"]["code"] == "CONFLICT"
    assert again["error"]["message"].endswith("it is cancelled")


async def test_nobody_can_cancel_someone_elses_order(http: httpx.AsyncClient, url: str) -> None:
    order_id = (await _place(http, url))["order_id"]

    body = await call(http, url, "cancel_order", {"order_id": order_id, "reason": "prank"}, GRACE)
    still = await call(http, url, "get_order", {"order_id": order_id}, ADA)

    assert body["error"] == {"code": "NOT_FOUND", "message": f"order {order_id} not found", "retryable": False}
    assert still["result"]["status"] == "placed"


async def test_orders_are_listed_newest_first_with_the_total_count(
    http: httpx.AsyncClient, url: str, clock: ManualClock
) -> None:
    placed = []
    for n in range(3):
        placed.append((await _place(http, url, key=f"key-{n:08d}"))["order_id"])
        clock.advance(60)

    body = await call(http, url, "list_orders", {"email": ADA, "limit": 2}, ADA)
    grace = await call(http, url, "list_orders", {"email": GRACE}, GRACE)

    result = body["result"]
    assert (result["email"], result["total_count"]) == (ADA, 3)
    assert [o["order_id"] for o in result["orders"]] == placed[::-1][:2]
    assert [o["status"] for o in result["orders"]] == ["confirmed", "confirmed"]
    assert grace["result"] == {"email": GRACE, "orders": [], "total_count": 0}


async def test_listing_someone_elses_orders_is_forbidden(http: httpx.AsyncClient, url: str) -> None:
    body = await call(http, url, "list_orders", {"email": ADA}, GRACE)

    assert body["error"]["code"] == "FORBIDDEN"


async def test_the_tool_listing_declares_writes_and_identity(http: httpx.AsyncClient, url: str) -> None:
    listing = (await http.get(f"{url}/mcp/tools")).json()
    tools = {t["name"]: t for t in listing["tools"]}

    assert listing["service"] == "order"
    assert {n: (t["writes"], t["identity_args"]) for n, t in tools.items()} == {
        "create_order": (True, ["email"]),
        "quote_order": (False, ["email"]),
        "get_order": (False, []),
        "list_orders": (False, ["email"]),
        "cancel_order": (True, []),
    }
