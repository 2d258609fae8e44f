"""`OrderStore`: reads and writes orders through the service's `Database`.

Reads only read. A status write is compare-and-set on the status it starts from, so two
cancellations of one order at once never write a step twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_common.db import Database
from order_service.db import OrderEventRow, OrderRow
from order_service.lifecycle import OrderStatus, can_transition

Step = tuple[OrderStatus, datetime, str]


class OrderStore:
    """Orders in the service's own database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, order_id: str) -> OrderRow | None:
        async with self.db.session() as session:
            return await session.get(OrderRow, order_id)

    async def by_key(self, email: str, idempotency_key: str) -> OrderRow | None:
        query = select(OrderRow).where(OrderRow.email == email, OrderRow.idempotency_key == idempotency_key)
        async with self.db.session() as session:
            return (await session.execute(query)).scalar_one_or_none()

    async def recent(self, email: str, limit: int) -> list[OrderRow]:
        """The customer's newest orders first."""
        query = (
            select(OrderRow)
            .where(OrderRow.email == email)
            .order_by(OrderRow.created_at.desc(), OrderRow.order_id.desc())
            .limit(limit)
        )
        async with self.db.session() as session:
            return list((await session.execute(query)).scalars())

    async def count(self, email: str) -> int:
        query = select(func.count()).select_from(OrderRow).where(OrderRow.email == email)
        async with self.db.session() as session:
            return int((await session.execute(query)).scalar_one())

    async def add(self, order: OrderRow) -> None:
        """Insert a new order with its lines and history; `IntegrityError` when its key is taken."""
        async with self.db.writing() as session:
            session.add(order)

    async def move(self, order_id: str, from_status: OrderStatus, steps: Sequence[Step]) -> bool:
        """Take the order along `steps` (each a status it reached, when, and why), recording each in its
        history, if it is still in `from_status`; False when its status moved meanwhile."""
        status = from_status
        for target, _, _ in steps:
            if not can_transition(status, target):
                raise ValueError(f"{status} cannot move to {target}")
            status = target
        last_status, last_at, _ = steps[-1]
        async with self.db.writing() as session:
            if not await _move(session, order_id, from_status, last_status, last_at):
                return False
            session.add_all(OrderEventRow(order_id=order_id, status=s, at=at, note=note) for s, at, note in steps)
        return True


async def _move(
    session: AsyncSession, order_id: str, from_status: OrderStatus, to_status: OrderStatus, at: datetime
) -> bool:
    statement = (
        update(OrderRow)
        .where(OrderRow.order_id == order_id, OrderRow.status == from_status)
        .values(status=to_status, status_at=at)
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], await session.execute(statement))
    return result.rowcount == 1
