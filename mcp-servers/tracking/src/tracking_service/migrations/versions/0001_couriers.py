"""couriers and order assignments

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "couriers",
        sa.Column("courier_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("vehicle", sa.String(32), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
    )
    op.create_table(
        "assignments",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("courier_id", sa.String(32), sa.ForeignKey("couriers.courier_id"), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("assignments")
    op.drop_table("couriers")
