"""customers and their delivery addresses

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("email", sa.String(320), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("dietary_preferences", sa.JSON, nullable=False),
        sa.Column("allergens", sa.JSON, nullable=False),
        sa.Column("favourite_cuisines", sa.JSON, nullable=False),
        sa.Column("loyalty_points", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "addresses",
        sa.Column("address_id", sa.String(200), primary_key=True),
        sa.Column("email", sa.String(320), sa.ForeignKey("customers.email", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("label", sa.String(16), nullable=False),
        sa.Column("line1", sa.String(200), nullable=False),
        sa.Column("city", sa.String(100), nullable=False),
        sa.Column("postcode", sa.String(20), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("email", "position", name="uq_addresses_email_position"),
    )
    op.create_index(
        "uq_addresses_one_default_per_customer",
        "addresses",
        ["email"],
        unique=True,
        sqlite_where=sa.text("is_default"),
        postgresql_where=sa.text("is_default"),
    )


def downgrade() -> None:
    op.drop_table("addresses")
    op.drop_table("customers")
