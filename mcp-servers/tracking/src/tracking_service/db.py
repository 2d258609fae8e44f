"""The tracking service's tables: couriers and which courier delivers which order.

The schema itself is created by the Alembic migrations in `migrations/`, which must match these models.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores it naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class CourierRow(Base):
    """A courier who delivers orders."""

    __tablename__ = "couriers"

    courier_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    vehicle: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(32))


class AssignmentRow(Base):
    """The courier of one order, fixed the first time the order is tracked while being prepared or later."""

    __tablename__ = "assignments"

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    courier_id: Mapped[str] = mapped_column(String(32), ForeignKey("couriers.courier_id"))
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime())
