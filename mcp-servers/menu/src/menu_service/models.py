"""Tool arguments and results of the menu service.

Field descriptions become the tool schemas the planner and LLMs read, so they say what each
value means, not only its type. Prices are integer pence (GBP); `max_price` alone is in pounds
because that is how people say it ("under 15").
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from mcp_common.food import (
    CATEGORIES,
    CURRENCY,
    Allergen,
    AllergenArg,
    Category,
    Cuisine,
    DietaryTag,
    DietaryTagArg,
    normalised,
)

_CATEGORY_ALIASES: dict[str, Category] = {
    "starter": "starters",
    "appetizer": "starters",
    "appetizers": "starters",
    "main": "mains",
    "main course": "mains",
    "main courses": "mains",
    "pizzas": "pizza",
    "burger": "burgers",
    "salad": "salads",
    "dessert": "desserts",
    "pudding": "desserts",
    "puddings": "desserts",
    "drink": "drinks",
    "beverages": "drinks",
    "side": "sides",
}

CategoryArg = Annotated[Category, normalised(_CATEGORY_ALIASES)]
ItemId = Annotated[str, Field(min_length=1, max_length=32, description="Menu item id, e.g. `m-12`.")]


class MenuItem(BaseModel):
    """One dish or drink on the menu."""

    item_id: str = Field(description="Menu item id (e.g. `m-12`); use it to order the item.")
    name: str = Field(description="Dish name as shown on the menu.")
    description: str = Field(description="What the dish is: main ingredients and how it is served.")
    category: Category = Field(
        description="Menu section: starters, mains, pizza, burgers, salads, desserts, drinks or sides."
    )
    cuisine: Cuisine = Field(description="Cuisine, e.g. indian, italian, thai, mexican, japanese.")
    price_cents: int = Field(description="Price in pence (integer); 1250 means £12.50.")
    currency: str = Field(default=CURRENCY, description="ISO 4217 currency of the price: always GBP.")
    dietary_tags: list[DietaryTag] = Field(
        description="Diets the dish suits: vegan, vegetarian, gluten-free, dairy-free, halal. Vegan dishes "
        "are also tagged vegetarian."
    )
    allergens: list[Allergen] = Field(
        description="Allergens the dish contains: peanuts, tree-nuts, milk, eggs, gluten, soy, fish, "
        "shellfish, sesame. Empty means none of these."
    )
    available: bool = Field(description="False when the kitchen cannot make the dish today (sold out).")
    spicy: bool = Field(description="True for hot or spicy dishes.")


class SearchArgs(BaseModel):
    """Arguments of `search_menu`; every filter is optional and they combine with AND."""

    text: str | None = Field(
        default=None,
        max_length=200,
        description="Free-text search: every word must appear in the dish name, description, cuisine, "
        "category or dietary tags (case-insensitive), e.g. 'curry', 'paneer', 'thai noodles'.",
    )
    category: CategoryArg | None = Field(
        default=None,
        description=f"Only this menu section: {', '.join(CATEGORIES)} (singular forms accepted).",
    )
    dietary: list[DietaryTagArg] | None = Field(
        default=None,
        max_length=5,
        description="Only dishes carrying EVERY one of these dietary tags: vegan, vegetarian, gluten-free, "
        "dairy-free, halal.",
    )
    exclude_allergens: list[AllergenArg] | None = Field(
        default=None,
        max_length=9,
        description="Leave out dishes containing ANY of these allergens: peanuts, tree-nuts, milk, eggs, "
        "gluten, soy, fish, shellfish, sesame.",
    )
    max_price: float | None = Field(
        default=None,
        gt=0,
        le=1000,
        description="Highest price in POUNDS, inclusive (e.g. 15 for 'under £15'); prices in results are pence.",
    )
    include_unavailable: bool = Field(
        default=False, description="Also list dishes that are sold out today (`available` false)."
    )
    limit: int = Field(default=10, ge=1, le=50, description="How many dishes to return at most (1-50).")


class AppliedFilters(BaseModel):
    """The filters a search applied, after normalisation (e.g. 'main' → 'mains')."""

    text: str | None = Field(description="Free-text words matched, or null.")
    category: Category | None = Field(description="Menu section searched, or null for all.")
    dietary: list[DietaryTag] = Field(description="Dietary tags every result carries.")
    exclude_allergens: list[Allergen] = Field(description="Allergens no result contains.")
    max_price: float | None = Field(description="Highest price in pounds, inclusive, or null.")
    include_unavailable: bool = Field(description="Whether sold-out dishes were included.")
    limit: int = Field(description="Most results returned.")


class MenuResponse(BaseModel):
    """Dishes matching a menu search, in menu order (section, then price, then id)."""

    items: list[MenuItem] = Field(description="Matching dishes, at most `limit`, in menu order, cheapest first.")
    total: int = Field(description="How many dishes matched before the limit was applied.")
    filters: AppliedFilters = Field(description="The filters applied.")


class ItemArgs(BaseModel):
    """Arguments of `get_item`."""

    item_id: ItemId


class ItemsArgs(BaseModel):
    """Arguments of `get_items`."""

    item_ids: list[ItemId] = Field(
        min_length=1, max_length=50, description="Menu item ids to look up (1-50), e.g. ['m-09', 'm-27']."
    )


class MenuItemList(BaseModel):
    """Several menu items looked up by id, sold-out ones included."""

    items: list[MenuItem] = Field(description="The items found, in the order asked, each once.")
    missing: list[str] = Field(description="Ids asked for that are not on the menu.")


class NoArgs(BaseModel):
    """No arguments."""


class CategorySummary(BaseModel):
    """One menu section."""

    name: Category = Field(description="Section name, usable as `category` in search_menu.")
    item_count: int = Field(description="How many dishes in this section are available today.")


class CategoryList(BaseModel):
    """The sections of the menu, in menu order."""

    categories: list[CategorySummary] = Field(description="Menu sections in menu order, with dish counts.")
