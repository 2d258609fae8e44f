"""The service's own tables: one row per dish recommended to a customer (an impression)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mcp_common.db import UtcDateTime


class Base(DeclarativeBase):
    """Declarative base of the recommendations tables (the Alembic target metadata)."""


class Impression(Base):
    """One dish shown to one customer in one recommendation."""

    __tablename__ = "impressions"
    __table_args__ = (Index("ix_impressions_tenant_email_served_at", "tenant", "email", "served_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(64), nullable=False)
    email: Mapped[str] = mapped_column(String(320), nullable=False)
    item_id: Mapped[str] = mapped_column(String(64), nullable=False)
    served_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
