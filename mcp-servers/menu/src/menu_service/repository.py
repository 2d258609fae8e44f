"""`MenuRepository`: the menu's reads, in SQL on SQLite and PostgreSQL alike."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select

from mcp_common.db import Database
from mcp_common.food import ALLERGENS, CATEGORIES, DIETARY_TAGS, Allergen, DietaryTag
from menu_service.db import AllergenRow, DietaryTagRow, MenuItemRow
from menu_service.models import CategorySummary, MenuItem, SearchArgs

# Words that carry no meaning in a dish search ("show me some vegetarian food" → "vegetarian").
_STOPWORDS = frozenset({
    "a", "an", "the", "and", "or", "with", "some", "something", "any", "anything", "me", "show", "find",
    "give", "i", "want", "would", "like", "food", "foods", "dish", "dishes", "meal", "meals", "please", "of",
    "for", "in", "on", "to", "menu", "do", "you", "have", "has", "what", "which", "is", "are", "there", "can",
    "get",
})  # fmt: skip
_CATEGORY_RANK = {category: rank for rank, category in enumerate(CATEGORIES)}


def search_words(text: str | None) -> list[str]:
    """The meaningful lower-case words of a free-text query, in order, each once."""
    words = re.findall(r"[\w'-]+", (text or "").lower())
    return list(dict.fromkeys(w.strip("'-") for w in words if w.strip("'-") and w not in _STOPWORDS))


def search_text(name: str, description: str, cuisine: str, category: str, tags: Sequence[str], spicy: bool) -> str:
    """What a free-text search matches for one dish, lower-case."""
    return " ".join([name, description, cuisine, category, *tags, *(["spicy"] if spicy else [])]).lower()


class MenuRepository:
    """Reads of the menu tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def search(self, args: SearchArgs) -> tuple[list[MenuItem], int]:
        """The dishes matching `args` in menu order (at most `args.limit`) and how many matched in all."""
        conditions = _conditions(args)
        query = select(MenuItemRow).where(*conditions)
        query = query.order_by(_category_rank(), MenuItemRow.price_cents, MenuItemRow.item_id).limit(args.limit)
        count = select(func.count()).select_from(MenuItemRow).where(*conditions)
        async with self._db.session() as session:
            rows = (await session.scalars(query)).all()
            total = (await session.execute(count)).scalar_one()
        return [to_item(row) for row in rows], total

    async def get(self, item_id: str) -> MenuItem | None:
        """One dish by id, available or not."""
        async with self._db.session() as session:
            row = await session.get(MenuItemRow, item_id)
        return to_item(row) if row else None

    async def get_many(self, item_ids: Sequence[str]) -> tuple[list[MenuItem], list[str]]:
        """The dishes with these ids in the order asked (each once), and the ids not on the menu."""
        wanted = list(dict.fromkeys(item_ids))
        async with self._db.session() as session:
            rows = (await session.scalars(select(MenuItemRow).where(MenuItemRow.item_id.in_(wanted)))).all()
        found = {row.item_id: to_item(row) for row in rows}
        return [found[i] for i in wanted if i in found], [i for i in wanted if i not in found]

    async def categories(self) -> list[CategorySummary]:
        """Every menu section that has dishes, in menu order, counting the dishes available today."""
        available = func.sum(case((MenuItemRow.available, 1), else_=0))
        query = select(MenuItemRow.category, available).group_by(MenuItemRow.category)
        async with self._db.session() as session:
            counts: dict[str, int] = {name: int(n or 0) for name, n in (await session.execute(query)).all()}
        return [CategorySummary(name=c, item_count=counts[c]) for c in CATEGORIES if c in counts]


def to_item(row: MenuItemRow) -> MenuItem:
    """The tool model of a menu row (validated against the vocabulary); tags and allergens in its order."""
    tags = {t.tag for t in row.dietary_tags}
    allergens = {a.allergen for a in row.allergens}
    return MenuItem.model_validate(
        {
            "item_id": row.item_id,
            "name": row.name,
            "description": row.description,
            "category": row.category,
            "cuisine": row.cuisine,
            "price_cents": row.price_cents,
            "currency": row.currency,
            "dietary_tags": [t for t in DIETARY_TAGS if t in tags],
            "allergens": [a for a in ALLERGENS if a in allergens],
            "available": row.available,
            "spicy": row.spicy,
        }
    )


def _conditions(args: SearchArgs) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [_has_tag(tag) for tag in dict.fromkeys(args.dietary or [])]
    conditions += [_matches(word) for word in search_words(args.text)]
    if args.category:
        conditions.append(MenuItemRow.category == args.category)
    if not args.include_unavailable:
        conditions.append(MenuItemRow.available.is_(True))
    if args.max_price is not None:
        conditions.append(MenuItemRow.price_cents <= round(args.max_price * 100))
    if args.exclude_allergens:
        conditions.append(~_contains_any(args.exclude_allergens))
    return conditions


def _has_tag(tag: DietaryTag) -> ColumnElement[bool]:
    return exists().where(and_(DietaryTagRow.item_id == MenuItemRow.item_id, DietaryTagRow.tag == tag))


def _contains_any(allergens: Sequence[Allergen]) -> ColumnElement[bool]:
    return exists().where(and_(AllergenRow.item_id == MenuItemRow.item_id, AllergenRow.allergen.in_(allergens)))


def _matches(word: str) -> ColumnElement[bool]:
    """The word, or its singular ("curries" → "curry", "pizzas" → "pizza"), appears in the dish's text."""
    forms = dict.fromkeys([word, _singular(word)])
    return or_(*(MenuItemRow.search_text.contains(form, autoescape=True) for form in forms))


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _category_rank() -> ColumnElement[int]:
    return case(_CATEGORY_RANK, value=MenuItemRow.category, else_=len(CATEGORIES))
