"""`ImpressionStore`: which dishes were recommended to whom and when, in the service's own database."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, select

from mcp_common.db import Database
from recommendations_service.db import Impression


class ImpressionStore:
    """Reads and records impressions; every key carries the tenant and the customer's email."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def seen_since(self, *, tenant: str, email: str, since: datetime) -> dict[str, int]:
        """How many times each dish was recommended to the customer since `since`."""
        query = (
            select(Impression.item_id, func.count())
            .where(Impression.tenant == tenant, Impression.email == email.lower(), Impression.served_at >= since)
            .group_by(Impression.item_id)
        )
        async with self.db.session() as session:
            rows = (await session.execute(query)).all()
        return {item_id: int(count) for item_id, count in rows}

    async def record(
        self, *, tenant: str, email: str, item_ids: Iterable[str], served_at: datetime, forget_before: datetime
    ) -> None:
        """Record that `item_ids` were served now; the customer's impressions before `forget_before` are deleted."""
        owner = email.lower()
        rows = [Impression(tenant=tenant, email=owner, item_id=i, served_at=served_at) for i in item_ids]
        async with self.db.writing() as session:
            await session.execute(
                delete(Impression).where(
                    Impression.tenant == tenant, Impression.email == owner, Impression.served_at < forget_before
                )
            )
            session.add_all(rows)

    async def history(self, *, tenant: str, email: str) -> list[tuple[str, datetime]]:
        """Every stored impression of the customer, oldest first: (item_id, served_at)."""
        query = (
            select(Impression.item_id, Impression.served_at)
            .where(Impression.tenant == tenant, Impression.email == email.lower())
            .order_by(Impression.served_at, Impression.id)
        )
        async with self.db.session() as session:
            return [(item_id, served_at) for item_id, served_at in (await session.execute(query)).all()]
