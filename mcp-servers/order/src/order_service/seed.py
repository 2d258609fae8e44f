"""Seeding the demo order history (`order_service.demo_orders`) on first start, dated before it.

Order ids are fixed and rows are inserted with ON CONFLICT DO NOTHING, so seeding twice, or from
two instances at once, leaves one copy. A database that already holds every demo order is only
read, so a service starts on a read-only database that was seeded before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from mcp_common.db import Database, dialect_insert
from order_service.db import Base, OrderRow
from order_service.demo_orders import ADDRESSES, DISHES, HISTORY, DemoOrder
from order_service.lifecycle import DELIVERY_PATH, STATUS_NOTES, OrderStatus, OrderTimings
from order_service.pricing import CURRENCY, delivery_fee_cents
from order_service.service import cart_fingerprint

Row = dict[str, Any]
Step = tuple[OrderStatus, datetime, str]


@dataclass
class SeedRows:
    """Rows of the three order tables, ready for an INSERT."""

    orders: list[Row] = field(default_factory=list)
    lines: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)


async def seed_demo_orders(db: Database, now: datetime, timings: OrderTimings) -> None:
    """Insert the demo order history unless it is already there."""
    rows = demo_order_rows(now, timings)
    async with db.session() as session:
        wanted = [row["order_id"] for row in rows.orders]
        found = set((await session.execute(select(OrderRow.order_id).where(OrderRow.order_id.in_(wanted)))).scalars())
    if found == set(wanted):
        return
    insert = dialect_insert(db.dialect)
    tables = Base.metadata.tables
    async with db.writing() as session:
        for name, values in (("orders", rows.orders), ("order_lines", rows.lines), ("order_events", rows.events)):
            await session.execute(insert(tables[name]).on_conflict_do_nothing(), values)


def demo_order_rows(now: datetime, timings: OrderTimings) -> SeedRows:
    """Every demo person's order history, all of it finished before `now`."""
    rows = SeedRows()
    placed_by = now.replace(second=0, microsecond=0) - timings.until_delivered()  # to be delivered by now
    for email, orders in HISTORY.items():
        for rank, order in enumerate(orders):
            history = _history(placed_by - order.delivered_ago, timings, cancelled=order.cancelled)
            rows.orders.append(_order_row(email, rank, order, history, timings))
            rows.lines.extend(_line_rows(order))
            rows.events.extend({"order_id": order.order_id, "status": s, "at": at, "note": n} for s, at, n in history)
    return rows


def _order_row(email: str, rank: int, order: DemoOrder, history: list[Step], timings: OrderTimings) -> Row:
    created, (status, status_at, _) = history[0][1], history[-1]  # placed, then the latest step
    address = ADDRESSES[order.address_id]
    subtotal = sum(DISHES[item_id][1] * quantity for item_id, quantity in order.lines)
    return {
        "order_id": order.order_id,
        "email": email,
        "idempotency_key": f"demo-seed-{rank:04d}",
        "request_hash": cart_fingerprint(order.address_id, [(i, q, None) for i, q in order.lines]),
        "status": status,
        "status_at": status_at,
        "created_at": created,
        "estimated_delivery_at": created + timings.until_delivered(),
        "subtotal_cents": subtotal,
        "delivery_fee_cents": delivery_fee_cents(subtotal),
        "total_cents": subtotal + delivery_fee_cents(subtotal),
        "currency": CURRENCY,
        "address_id": order.address_id,
        "address_label": address.label,
        "address_line1": address.line1,
        "address_city": address.city,
        "address_postcode": address.postcode,
        "address_country": address.country,
    }


def _line_rows(order: DemoOrder) -> list[Row]:
    return [
        {
            "order_id": order.order_id,
            "position": position,
            "item_id": item_id,
            "name": DISHES[item_id][0],
            "quantity": quantity,
            "unit_price_cents": DISHES[item_id][1],
            "line_total_cents": DISHES[item_id][1] * quantity,
            "notes": None,
        }
        for position, (item_id, quantity) in enumerate(order.lines)
    ]


def _history(created: datetime, timings: OrderTimings, *, cancelled: bool) -> list[Step]:
    steps: list[Step] = [("placed", created, STATUS_NOTES["placed"])]
    path = DELIVERY_PATH[1:2] if cancelled else DELIVERY_PATH[1:]
    for status in path:
        steps.append((status, steps[-1][1] + timings.delay(status), STATUS_NOTES[status]))
    if cancelled:
        steps.append(
            ("cancelled", steps[-1][1] + timedelta(minutes=1), "Cancelled by the customer: ordered by mistake")
        )
    return steps
