"""Couriers: the demo fleet, seeded once, and `CourierStore`, which fixes one courier per order.

Phone numbers are from Ofcom's range reserved for drama (07700 900000–900999): never real people's.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select

from mcp_common.db import Database, dialect_insert
from tracking_service.db import AssignmentRow, Base, CourierRow

DEMO_COURIERS: tuple[tuple[str, str, str, str], ...] = (
    ("cour-01", "Sam O.", "bicycle", "+44 7700 900101"),
    ("cour-02", "Priya K.", "e-bike", "+44 7700 900214"),
    ("cour-03", "Tomasz W.", "scooter", "+44 7700 900327"),
    ("cour-04", "Aisha B.", "motorbike", "+44 7700 900438"),
    ("cour-05", "Luca R.", "car", "+44 7700 900542"),
    ("cour-06", "Mei L.", "bicycle", "+44 7700 900655"),
    ("cour-07", "Kwame A.", "e-bike", "+44 7700 900763"),
    ("cour-08", "Freya J.", "scooter", "+44 7700 900879"),
)


def mask_phone(phone: str) -> str:
    """`+44 7700 900101` → `+44 **** ***101`: the country code and the last three digits stay."""
    prefix, _, number = phone.partition(" ") if phone.startswith("+") else ("", "", phone)
    total = sum(c.isdigit() for c in number)
    seen, masked = 0, []
    for c in number:
        if c.isdigit():
            seen += 1
            masked.append(c if seen > total - 3 else "*")
        else:
            masked.append(c)
    return f"{prefix} {''.join(masked)}".strip()


async def seed_couriers(db: Database) -> None:
    """Insert the demo couriers unless they are already there (safe from two instances at once)."""
    insert = dialect_insert(db.dialect)
    rows = [{"courier_id": c, "name": n, "vehicle": v, "phone": p} for c, n, v, p in DEMO_COURIERS]
    async with db.writing() as session:
        await session.execute(insert(Base.metadata.tables["couriers"]).on_conflict_do_nothing(), rows)


class CourierStore:
    """Couriers and their assignments in the service's own database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def courier_of(self, order_id: str) -> CourierRow | None:
        """The courier already assigned to `order_id`, if any."""
        query = select(CourierRow).join(AssignmentRow).where(AssignmentRow.order_id == order_id)
        async with self.db.session() as session:
            return (await session.execute(query)).scalar_one_or_none()

    async def assign(self, order_id: str, at: datetime) -> CourierRow | None:
        """The order's courier, choosing one the first time; the first choice wins a race. None without couriers."""
        current = await self.courier_of(order_id)
        if current is not None:
            return current
        async with self.db.session() as session:
            couriers = list((await session.execute(select(CourierRow).order_by(CourierRow.courier_id))).scalars())
        if not couriers:
            return None
        chosen = couriers[int(hashlib.sha256(order_id.encode()).hexdigest()[:8], 16) % len(couriers)]
        insert = dialect_insert(self.db.dialect)
        row = {"order_id": order_id, "courier_id": chosen.courier_id, "assigned_at": at}
        async with self.db.writing() as session:
            await session.execute(insert(Base.metadata.tables["assignments"]).on_conflict_do_nothing(), [row])
        return await self.courier_of(order_id)
