"""The order service's tables: orders, their lines (menu snapshots) and their status history.

The schema itself is created by the Alembic migrations in `migrations/`, which must match these models.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from mcp_common.db import UtcDateTime


class Base(DeclarativeBase):
    pass


class OrderRow(Base):
    """One order; the delivery address and prices are copied in when it is placed."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("email", "idempotency_key", name="uq_orders_email_idempotency_key"),
        Index("ix_orders_email_created_at", "email", "created_at"),
    )

    order_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    idempotency_key: Mapped[str] = mapped_column(String(128))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    status_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    estimated_delivery_at: Mapped[datetime] = mapped_column(UtcDateTime())
    subtotal_cents: Mapped[int] = mapped_column(Integer)
    delivery_fee_cents: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    address_id: Mapped[str] = mapped_column(String(100))
    address_label: Mapped[str] = mapped_column(String(32))
    address_line1: Mapped[str] = mapped_column(String(200))
    address_city: Mapped[str] = mapped_column(String(100))
    address_postcode: Mapped[str] = mapped_column(String(32))
    address_country: Mapped[str] = mapped_column(String(2))

    lines: Mapped[list[OrderLineRow]] = relationship(
        lazy="selectin", order_by="OrderLineRow.position", cascade="all, delete-orphan"
    )
    events: Mapped[list[OrderEventRow]] = relationship(
        lazy="selectin", order_by="[OrderEventRow.at, OrderEventRow.id]", cascade="all, delete-orphan"
    )


class OrderLineRow(Base):
    """One line of an order: the menu item's name and price as they were when ordered."""

    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "position", name="uq_order_lines_order_id_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(32), ForeignKey("orders.order_id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    line_total_cents: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(String(200))


class OrderEventRow(Base):
    """One status an order reached, at the time it was (scheduled to be) reached; once per status."""

    __tablename__ = "order_events"
    __table_args__ = (UniqueConstraint("order_id", "status", name="uq_order_events_order_id_status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(32), ForeignKey("orders.order_id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str] = mapped_column(String(300))
