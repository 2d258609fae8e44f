"""Couriers: the demo fleet, seeded once, and `CourierStore`, which answers the courier of an order.

An order's courier is picked from the fleet by its id, so every read answers the same one without
recording it: tracking reads never write.

Phone numbers are from Ofcom's range reserved for drama (07700 900000–900999): never real people's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

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
    """Insert the demo couriers unless they are already there (safe from two instances at once); a
    database that has them all is only read, so the service starts on a read-only database."""
    async with db.session() as session:
        present = set((await session.execute(select(CourierRow.courier_id))).scalars())
    rows = [{"courier_id": c, "name": n, "vehicle": v, "phone": p} for c, n, v, p in DEMO_COURIERS if c not in present]
    if not rows:
        return
    insert = dialect_insert(db.dialect)
    async with db.writing() as session:
        await session.execute(insert(Base.metadata.tables["couriers"]).on_conflict_do_nothing(), rows)


def pick(order_id: str, couriers: Sequence[CourierRow]) -> CourierRow | None:
    """The courier an order's id picks from the fleet (ordered by id): the same one at every read."""
    if not couriers:
        return None
    return couriers[int(hashlib.sha256(order_id.encode()).hexdigest()[:8], 16) % len(couriers)]


class CourierStore:
    """Couriers in the service's own database; reading them never writes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def courier_for(self, order_id: str) -> CourierRow | None:
        """The order's courier: the one recorded for it by an earlier version (which wrote an assignment
        at the first read), else the one its id picks (`pick`); None without couriers."""
        recorded = select(CourierRow).join(AssignmentRow).where(AssignmentRow.order_id == order_id)
        async with self.db.session() as session:
            found = (await session.execute(recorded)).scalar_one_or_none()
            if found is not None:
                return found
            couriers = list((await session.execute(select(CourierRow).order_by(CourierRow.courier_id))).scalars())
        return pick(order_id, couriers)
