"""menu items, their dietary tags and allergens

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
        "menu_items",
        sa.Column("item_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("cuisine", sa.String(32), nullable=False),
        sa.Column("price_cents", sa.Integer, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("available", sa.Boolean, nullable=False),
        sa.Column("spicy", sa.Boolean, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
    )
    op.create_index("ix_menu_items_category", "menu_items", ["category"])
    op.create_table(
        "menu_item_dietary_tags",
        sa.Column("item_id", sa.String(32), sa.ForeignKey("menu_items.item_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag", sa.String(32), primary_key=True),
    )
    op.create_index("ix_menu_item_dietary_tags_tag", "menu_item_dietary_tags", ["tag"])
    op.create_table(
        "menu_item_allergens",
        sa.Column("item_id", sa.String(32), sa.ForeignKey("menu_items.item_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("allergen", sa.String(32), primary_key=True),
    )
    op.create_index("ix_menu_item_allergens_allergen", "menu_item_allergens", ["allergen"])


def downgrade() -> None:
    op.drop_table("menu_item_allergens")
    op.drop_table("menu_item_dietary_tags")
    op.drop_table("menu_items")
