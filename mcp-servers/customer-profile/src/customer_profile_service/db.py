"""The customer-profile tables: one row per customer, one per delivery address.

Diet, allergen and cuisine lists are JSON arrays on the customer row: they are always read and
replaced whole, never queried inside.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from mcp_common.db import UtcDateTime


class Base(DeclarativeBase):
    """Declarative base of the customer-profile tables (the Alembic target metadata)."""


class CustomerRow(Base):
    """A customer's food profile, keyed by lower-case email."""

    __tablename__ = "customers"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    dietary_preferences: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    allergens: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    favourite_cuisines: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    loyalty_points: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)

    addresses: Mapped[list[AddressRow]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="AddressRow.position"
    )


class AddressRow(Base):
    """A delivery address of a customer; `position` keeps the order they were added in."""

    __tablename__ = "addresses"
    __table_args__ = (UniqueConstraint("email", "position", name="uq_addresses_email_position"),)

    address_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), ForeignKey("customers.email", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    label: Mapped[str] = mapped_column(String(16), nullable=False)
    line1: Mapped[str] = mapped_column(String(200), nullable=False)
    city: Mapped[str] = mapped_column(String(100), nullable=False)
    postcode: Mapped[str] = mapped_column(String(20), nullable=False)
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


# At most one default address per customer, enforced by the database (a partial unique index).
Index(
    "uq_addresses_one_default_per_customer",
    AddressRow.email,
    unique=True,
    sqlite_where=AddressRow.is_default,
    postgresql_where=AddressRow.is_default,
)
