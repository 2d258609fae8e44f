"""The tracking service's tables: couriers and which courier delivers which order.

The schema itself is created by the Alembic migrations in `migrations/`, which must match these models.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mcp_common.db import UtcDateTime


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
    """The courier of one order, as earlier versions recorded it the first time the order was tracked
    while being prepared or later. Read, no longer written: the courier is picked from the order's id."""

    __tablename__ = "assignments"

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    courier_id: Mapped[str] = mapped_column(String(32), ForeignKey("couriers.courier_id"))
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime())
