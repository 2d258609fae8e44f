"""Seeding the demo menu, idempotently: run twice, or by two instances at once, it leaves one copy."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_common.db import Database, dialect_insert
from mcp_common.food import CURRENCY
from menu_service.db import AllergenRow, Base, DietaryTagRow, MenuItemRow
from menu_service.demo_menu import MENU, DemoMenuItem
from menu_service.repository import search_text

logger = logging.getLogger(__name__)


async def seed_menu(db: Database, items: Sequence[DemoMenuItem] = MENU) -> int:
    """Insert the dishes not yet on the menu (by id), with their tags; returns how many were added.

    Dishes already present are left as they are, so a restart never undoes a change; with every dish
    present nothing is written, so the service starts on a read-only database seeded before.
    """
    async with db.session() as session:
        present = set((await session.scalars(select(MenuItemRow.item_id))).all())
    if all(item.item_id in present for item in items):
        return 0
    async with db.writing() as session:
        added = await _insert_new(session, db.dialect, MenuItemRow, [_row(i) for i in items], "item_id")
        new = [i for i in items if i.item_id in added]
        tags = [{"item_id": i.item_id, "tag": t} for i in new for t in dict.fromkeys(i.dietary_tags)]
        allergens = [{"item_id": i.item_id, "allergen": a} for i in new for a in dict.fromkeys(i.allergens)]
        await _insert_new(session, db.dialect, DietaryTagRow, tags, "item_id")
        await _insert_new(session, db.dialect, AllergenRow, allergens, "item_id")
    if new:
        logger.info("seeded %d demo menu items", len(new))
    return len(new)


def _row(item: DemoMenuItem) -> dict[str, Any]:
    return {
        "item_id": item.item_id,
        "name": item.name,
        "description": item.description,
        "category": item.category,
        "cuisine": item.cuisine,
        "price_cents": item.price_cents,
        "currency": CURRENCY,
        "available": item.available,
        "spicy": item.spicy,
        "search_text": search_text(
            item.name, item.description, item.cuisine, item.category, item.dietary_tags, item.spicy
        ),
    }


async def _insert_new(
    session: AsyncSession, dialect: str, model: type[Base], rows: list[dict[str, Any]], key: str
) -> set[str]:
    """INSERT … ON CONFLICT DO NOTHING; the `key` values of the rows actually inserted."""
    if not rows:
        return set()
    table = Base.metadata.tables[model.__tablename__]
    insert = dialect_insert(dialect)
    statement = insert(table).values(rows).on_conflict_do_nothing().returning(table.c[key])
    return set((await session.scalars(statement)).all())
