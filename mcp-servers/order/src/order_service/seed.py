"""The demo order history, seeded on first start from `mcp_common.demo_food`.

Every demo person has past orders of items they can eat (their dietary preferences, none of their
allergens), mostly from their favourite cuisines, delivered to their saved addresses; Ada has six.
Ids are derived from the person and the order's rank and rows are inserted with ON CONFLICT DO
NOTHING, so seeding twice, or from two instances at once, leaves one copy.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from mcp_common.db import Database
from mcp_common.demo_food import MENU, PROFILES, DemoMenuItem, DemoProfile
from order_service.db import Base
from order_service.lifecycle import DELIVERY_PATH, STATUS_NOTES, OrderStatus, OrderTimings
from order_service.pricing import CURRENCY, delivery_fee_cents
from order_service.service import cart_fingerprint

ORDERS_PER_PERSON = {"ada@example.com": 6}
_MAIN_COURSES = frozenset({"mains", "pizza", "burgers", "salads"})
_EXTRAS = frozenset({"starters", "sides", "desserts", "drinks"})

Row = dict[str, Any]


@dataclass
class SeedRows:
    """Rows of the three order tables, ready for an INSERT."""

    orders: list[Row] = field(default_factory=list)
    lines: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)


async def seed_demo_orders(db: Database, now: datetime, timings: OrderTimings) -> None:
    """Insert the demo order history unless it is already there."""
    rows = demo_order_rows(now, timings)
    insert = postgresql.insert if db.dialect == "postgresql" else sqlite.insert
    tables = Base.metadata.tables
    async with db.writing() as session:
        for name, values in (("orders", rows.orders), ("order_lines", rows.lines), ("order_events", rows.events)):
            await session.execute(insert(tables[name]).on_conflict_do_nothing(), values)


def demo_order_rows(now: datetime, timings: OrderTimings) -> SeedRows:
    """Every demo person's order history, all of it finished before `now`."""
    rows = SeedRows()
    for index, profile in enumerate(PROFILES.values()):
        rng = random.Random(f"order-seed:{profile.email}")  # noqa: S311 (demo data, not security)
        for rank in range(ORDERS_PER_PERSON.get(profile.email, 2 + index % 3)):
            cancelled = profile.email != "ada@example.com" and (index + rank) % 7 == 3
            _add_order(rows, profile, rank, rng, now=now, timings=timings, cancelled=cancelled)
    return rows


def eligible_items(profile: DemoProfile) -> list[DemoMenuItem]:
    """Available menu items carrying every dietary tag of the profile and none of its allergens."""
    wanted, avoided = set(profile.dietary_preferences), set(profile.allergens)
    return [i for i in MENU if i.available and wanted <= set(i.dietary_tags) and not avoided & set(i.allergens)]


def _cart(profile: DemoProfile, rng: random.Random) -> list[tuple[DemoMenuItem, int]]:
    pool = eligible_items(profile)
    mains = [i for i in pool if i.category in _MAIN_COURSES]
    main = rng.choice([i for i in mains if i.cuisine in profile.favourite_cuisines] or mains or pool)
    cart = [(main, rng.choice((1, 1, 2)))]
    extras = [i for i in pool if i.category in _EXTRAS]
    for extra in rng.sample(extras, k=min(len(extras), rng.randint(0, 2))):
        cart.append((extra, 1))
    return cart


def _add_order(
    rows: SeedRows,
    profile: DemoProfile,
    rank: int,
    rng: random.Random,
    *,
    now: datetime,
    timings: OrderTimings,
    cancelled: bool,
) -> None:
    order_id = "ord-" + hashlib.sha256(f"demo-order:{profile.email}:{rank}".encode()).hexdigest()[:12]
    address = profile.addresses[rank % len(profile.addresses)]
    ago = timedelta(days=2 + 4 * rank + rng.randint(0, 2), hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
    created = now.replace(second=0, microsecond=0) - timings.until_delivered() - ago
    cart = _cart(profile, rng)
    history = _history(created, timings, cancelled=cancelled)
    subtotal = sum(item.price_cents * quantity for item, quantity in cart)
    rows.orders.append(
        {
            "order_id": order_id,
            "email": profile.email,
            "idempotency_key": f"demo-seed-{rank:04d}",
            "request_hash": cart_fingerprint(address.address_id, [(i.item_id, q, None) for i, q in cart]),
            "status": history[-1][0],
            "status_at": history[-1][1],
            "created_at": created,
            "estimated_delivery_at": created + timings.until_delivered(),
            "subtotal_cents": subtotal,
            "delivery_fee_cents": delivery_fee_cents(subtotal),
            "total_cents": subtotal + delivery_fee_cents(subtotal),
            "currency": CURRENCY,
            "address_id": address.address_id,
            "address_label": address.label,
            "address_line1": address.line1,
            "address_city": address.city,
            "address_postcode": address.postcode,
            "address_country": address.country,
        }
    )
    rows.lines.extend(
        {
            "order_id": order_id,
            "position": position,
            "item_id": item.item_id,
            "name": item.name,
            "quantity": quantity,
            "unit_price_cents": item.price_cents,
            "line_total_cents": item.price_cents * quantity,
            "notes": None,
        }
        for position, (item, quantity) in enumerate(cart)
    )
    rows.events.extend({"order_id": order_id, "status": s, "at": at, "note": note} for s, at, note in history)


def _history(created: datetime, timings: OrderTimings, *, cancelled: bool) -> list[tuple[OrderStatus, datetime, str]]:
    steps: list[tuple[OrderStatus, datetime, str]] = [("placed", created, STATUS_NOTES["placed"])]
    path = DELIVERY_PATH[1:2] if cancelled else DELIVERY_PATH[1:]
    for status in path:
        steps.append((status, steps[-1][1] + timings.delay(status), STATUS_NOTES[status]))
    if cancelled:
        steps.append(
            ("cancelled", steps[-1][1] + timedelta(minutes=1), "Cancelled by the customer: ordered by mistake")
        )
    return steps
