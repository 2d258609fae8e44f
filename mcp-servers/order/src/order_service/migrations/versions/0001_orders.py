"""orders, order lines and order status history

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("order_id", sa.String(32), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("estimated_delivery_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subtotal_cents", sa.Integer, nullable=False),
        sa.Column("delivery_fee_cents", sa.Integer, nullable=False),
        sa.Column("total_cents", sa.Integer, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("address_id", sa.String(100), nullable=False),
        sa.Column("address_label", sa.String(32), nullable=False),
        sa.Column("address_line1", sa.String(200), nullable=False),
        sa.Column("address_city", sa.String(100), nullable=False),
        sa.Column("address_postcode", sa.String(32), nullable=False),
        sa.Column("address_country", sa.String(2), nullable=False),
        sa.UniqueConstraint("email", "idempotency_key", name="uq_orders_email_idempotency_key"),
    )
    op.create_index("ix_orders_email_created_at", "orders", ["email", "created_at"])
    op.create_table(
        "order_lines",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.String(32), sa.ForeignKey("orders.order_id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("unit_price_cents", sa.Integer, nullable=False),
        sa.Column("line_total_cents", sa.Integer, nullable=False),
        sa.Column("notes", sa.String(200), nullable=True),
        sa.UniqueConstraint("order_id", "position", name="uq_order_lines_order_id_position"),
    )
    op.create_table(
        "order_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.String(32), sa.ForeignKey("orders.order_id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(300), nullable=False),
        sa.UniqueConstraint("order_id", "status", name="uq_order_events_order_id_status"),
    )


def downgrade() -> None:
    op.drop_table("order_events")
    op.drop_table("order_lines")
    op.drop_index("ix_orders_email_created_at", table_name="orders")
    op.drop_table("orders")
