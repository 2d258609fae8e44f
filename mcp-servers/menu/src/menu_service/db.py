"""The menu's tables: one row per dish, its dietary tags and its allergens in their own tables.

Tags and allergens are rows (not a delimited string) so a search filters them in SQL on every
backend: "carries every wanted tag" and "contains none of these allergens" are EXISTS clauses.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base of the menu tables (the Alembic target metadata)."""


class MenuItemRow(Base):
    """One dish or drink on the menu; `search_text` is the lower-case text a search matches."""

    __tablename__ = "menu_items"

    item_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    category: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    cuisine: Mapped[str] = mapped_column(String(32), nullable=False)
    price_cents: Mapped[int] = mapped_column(Integer, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    available: Mapped[bool] = mapped_column(Boolean, nullable=False)
    spicy: Mapped[bool] = mapped_column(Boolean, nullable=False)
    search_text: Mapped[str] = mapped_column(Text, nullable=False)

    dietary_tags: Mapped[list[DietaryTagRow]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="DietaryTagRow.tag"
    )
    allergens: Mapped[list[AllergenRow]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="AllergenRow.allergen"
    )


class DietaryTagRow(Base):
    """A dietary tag (vegan, vegetarian, gluten-free, dairy-free, halal) a dish carries."""

    __tablename__ = "menu_item_dietary_tags"

    item_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("menu_items.item_id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class AllergenRow(Base):
    """An allergen a dish contains."""

    __tablename__ = "menu_item_allergens"

    item_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("menu_items.item_id", ondelete="CASCADE"), primary_key=True
    )
    allergen: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
