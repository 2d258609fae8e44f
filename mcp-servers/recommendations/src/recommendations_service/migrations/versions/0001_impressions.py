"""impressions: the dishes recommended to each customer, to vary repeat results

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "impressions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("served_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_impressions_tenant_email_served_at", "impressions", ["tenant", "email", "served_at"])


def downgrade() -> None:
    op.drop_index("ix_impressions_tenant_email_served_at", table_name="impressions")
    op.drop_table("impressions")
