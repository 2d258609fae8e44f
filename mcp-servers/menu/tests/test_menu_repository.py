"""The menu's database and tools on SQLite and a real PostgreSQL: migration, seeding, search, lookups."""

from __future__ import annotations

import asyncio

import pytest
from menu_fixtures import call, menu_registry
from sqlalchemy import func, select, update

from mcp_common.db import Database
from mcp_common.errors import ErrorCode, ServiceError
from menu_service.app import MIGRATIONS
from menu_service.db import AllergenRow, Base, DietaryTagRow, MenuItemRow
from menu_service.demo_menu import MENU
from menu_service.seed import seed_menu


async def test_the_migration_creates_exactly_the_orm_schema(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.migrate(MIGRATIONS)

        assert await db.schema_drift(Base.metadata, version_table="menu_alembic_version") == []
    finally:
        await db.aclose()


async def test_seeding_twice_or_from_two_instances_at_once_leaves_one_copy(database_url: str) -> None:
    instances = [Database(database_url) for _ in range(2)]
    try:
        await instances[0].migrate(MIGRATIONS)
        added = await asyncio.gather(*(seed_menu(db) for db in instances))
        again = await seed_menu(instances[0])
        async with instances[0].session() as session:
            items = (await session.execute(select(func.count()).select_from(MenuItemRow))).scalar_one()
            tags = (await session.execute(select(func.count()).select_from(DietaryTagRow))).scalar_one()
            allergens = (await session.execute(select(func.count()).select_from(AllergenRow))).scalar_one()
    finally:
        for db in instances:
            await db.aclose()
    assert sorted(added) == [0, len(MENU)]
    assert again == 0
    assert items == len(MENU)
    assert tags == sum(len(i.dietary_tags) for i in MENU)
    assert allergens == sum(len(i.allergens) for i in MENU)


async def test_a_restart_does_not_undo_a_change_to_a_seeded_item(database_url: str) -> None:
    async with menu_registry(database_url) as (registry, db):
        async with db.writing() as session:
            await session.execute(update(MenuItemRow).where(MenuItemRow.item_id == "m-10").values(available=False))
        await seed_menu(db)
        item = await call(registry, "get_item", item_id="m-10")
    assert item["available"] is False


async def test_vegetarian_mains_under_15_pounds_come_cheapest_first(database_url: str) -> None:
    async with menu_registry(database_url) as (registry, _):
        result = await call(registry, "search_menu", category="main", dietary=["vegetarian"], max_price=15)
    items = result["items"]
    assert [i["item_id"] for i in items] == ["m-10", "m-16", "m-11", "m-21", "m-14", "m-09", "m-12", "m-26"]
    assert result["total"] == len(items)
    assert all(i["category"] == "mains" and "vegetarian" in i["dietary_tags"] for i in items)
    assert all(i["price_cents"] <= 1500 and i["available"] and i["currency"] == "GBP" for i in items)
    assert result["filters"]["category"] == "mains"
    assert result["filters"]["max_price"] == 15


async def test_excluded_allergens_leave_out_every_item_containing_any_of_them(database_url: str) -> None:
    async with menu_registry(database_url) as (registry, _):
        every = await call(registry, "search_menu", include_unavailable=True, limit=50)
        safe = await call(
            registry, "search_menu", exclude_allergens=["peanut", "milk"], include_unavailable=True, limit=50
        )
    safe_ids = {i["item_id"] for i in safe["items"]}
    expected = {i.item_id for i in MENU if not {"peanuts", "milk"} & set(i.allergens)}
    assert every["total"] == len(MENU)
    assert safe_ids == expected
    assert safe["filters"]["exclude_allergens"] == ["peanuts", "milk"]


async def test_every_dietary_tag_asked_for_must_be_carried(database_url: str) -> None:
    async with menu_registry(database_url) as (registry, _):
        result = await call(registry, "search_menu", dietary=["vegan", "gluten free"], limit=50)
    expected = [i for i in MENU if i.available and {"vegan", "gluten-free"} <= set(i.dietary_tags)]
    assert result["total"] == len(expected)
    assert {i["item_id"] for i in result["items"]} == {i.item_id for i in expected}


async def test_gluten_free_pizza_finds_the_gluten_free_margherita(database_url: str) -> None:
    async with menu_registry(database_url) as (registry, _):
        by_filter = await call(registry, "search_menu", category="pizza", dietary=["gluten-free"])
        by_text = await call(registry, "search_menu", text="Gluten-Free PIZZAS")
    assert [i["item_id"] for i in by_filter["items"]] == ["m-29"]
    assert [i["item_id"] for i in by_text["items"]] == ["m-29"]


async def test_text_must_match_every_word_in_name_description_or_cuisine(database_url: str) -> None:
    async with menu_registry(database_url) as (registry, _):
        curries = await call(registry, "search_menu", text="curries", limit=50)
        thai_curry = await call(registry, "search_menu", text="thai curry")
        spicy_indian = await call(registry, "search_menu", text="something spicy indian")
        nothing = await call(registry, "search_menu", text="curry pizza")
    assert {i["item_id"] for i in curries["items"]} >= {"m-11", "m-17", "m-23"}
    assert [i["item_id"] for i in thai_curry["items"]] == ["m-11", "m-23"]
    assert [i["item_id"] for i in spicy_indian["items"]] == ["m-10", "m-15"]
    assert nothing == {**nothing, "items": [], "total": 0}


async def test_sold_out_items_are_hidden_unless_asked_for(database_url: str) -> None:
    async with menu_registry(database_url) as (registry, _):
        hidden = await call(registry, "search_menu", category="pizza", limit=50)
        shown = await call(registry, "search_menu", category="pizza", include_unavailable=True, limit=50)
    assert "m-32" not in {i["item_id"] for i in hidden["items"]}
    assert {i["item_id"]: i["available"] for i in shown["items"]}["m-32"] is False


async def test_the_limit_cuts_the_items_but_not_the_total(database_url: str) -> None:
    async with menu_registry(database_url) as (registry, _):
        result = await call(registry, "search_menu", dietary=["vegetarian"], limit=3)
    assert len(result["items"]) == 3
    assert result["total"] == sum(i.available and "vegetarian" in i.dietary_tags for i in MENU)
    assert [i["category"] for i in result["items"]] == ["starters"] * 3


async def test_get_item_returns_one_item_and_an_unknown_id_is_not_found(database_url: str) -> None:
    async with menu_registry(database_url) as (registry, _):
        item = await call(registry, "get_item", item_id="m-11")
        with pytest.raises(ServiceError) as missing:
            await call(registry, "get_item", item_id="m-99")
    assert item["name"] == "Tofu Satay Curry"
    assert item["allergens"] == ["peanuts", "soy"]
    assert item["dietary_tags"] == ["vegan", "vegetarian", "gluten-free", "dairy-free"]
    assert (missing.value.code, missing.value.message) == (ErrorCode.NOT_FOUND, "menu item m-99 does not exist")


async def test_get_items_keeps_the_order_asked_lists_missing_ids_and_includes_sold_out_items(
    database_url: str,
) -> None:
    async with menu_registry(database_url) as (registry, _):
        result = await call(registry, "get_items", item_ids=["m-22", "m-99", "m-01", "m-22", "x"])
    assert [i["item_id"] for i in result["items"]] == ["m-22", "m-01"]
    assert result["items"][0]["available"] is False
    assert result["missing"] == ["m-99", "x"]


async def test_categories_are_listed_in_menu_order_with_available_counts(database_url: str) -> None:
    async with menu_registry(database_url) as (registry, _):
        result = await call(registry, "list_categories")
    names = [c["name"] for c in result["categories"]]
    counts = {c["name"]: c["item_count"] for c in result["categories"]}
    assert names == ["starters", "mains", "pizza", "burgers", "salads", "desserts", "drinks", "sides"]
    assert counts["pizza"] == sum(i.category == "pizza" and i.available for i in MENU)
    assert sum(counts.values()) == sum(i.available for i in MENU)


async def test_without_the_demo_seed_the_menu_is_empty(database_url: str) -> None:
    async with menu_registry(database_url, seed=False) as (registry, _):
        result = await call(registry, "search_menu")
        categories = await call(registry, "list_categories")
    assert (result["items"], result["total"], categories["categories"]) == ([], 0, [])
