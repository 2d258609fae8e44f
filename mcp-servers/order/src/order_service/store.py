"""`OrderStore`: reads and writes orders through the service's `Database`.

Status writes are compare-and-set on the status they start from, so two readers advancing the
same order at once, or a cancellation racing the clock, never write a step twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_common.db import Database
from order_service.db import OrderEventRow, OrderRow
from order_service.lifecycle import OrderStatus, can_transition


@dataclass(frozen=True)
class Advance:
    """Steps due for one order, to be applied only if it is still in `from_status`."""

    order_id: str
    from_status: OrderStatus
    steps: Sequence[tuple[OrderStatus, datetime, str]]


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

    async def advance(self, changes: Sequence[Advance]) -> None:
        """Apply the due steps of each order still in the status they were computed from."""
        async with self.db.writing() as session:
            for change in changes:
                last_status, last_at, _ = change.steps[-1]
                if await _move(session, change.order_id, change.from_status, last_status, last_at):
                    session.add_all(
                        OrderEventRow(order_id=change.order_id, status=status, at=at, note=note)
                        for status, at, note in change.steps
                    )

    async def cancel(self, order_id: str, from_status: OrderStatus, at: datetime, note: str) -> bool:
        """Cancel the order if it is still in `from_status`; False when its status moved meanwhile."""
        if not can_transition(from_status, "cancelled"):
            raise ValueError(f"{from_status} cannot move to cancelled")
        async with self.db.writing() as session:
            if not await _move(session, order_id, from_status, "cancelled", at):
                return False
            session.add(OrderEventRow(order_id=order_id, status="cancelled", at=at, note=note))
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
