"""The demo menu keeps the invariants the food services, their tests and the README rely on."""

from __future__ import annotations

from mcp_common.food import ALLERGENS, CATEGORIES, CUISINES, DIETARY_TAGS
from menu_service.demo_menu import MENU, menu_item


def test_menu_has_at_least_45_items_with_unique_sequential_style_ids() -> None:
    ids = [item.item_id for item in MENU]
    assert len(MENU) >= 45
    assert len(set(ids)) == len(ids)
    assert all(item_id.startswith("m-") and item_id[2:].isdigit() for item_id in ids)


def test_every_item_uses_the_shared_vocabulary_and_prices_in_pence() -> None:
    for item in MENU:
        assert item.category in CATEGORIES
        assert item.cuisine in CUISINES
        assert set(item.dietary_tags) <= set(DIETARY_TAGS)
        assert set(item.allergens) <= set(ALLERGENS)
        assert isinstance(item.price_cents, int)
        assert item.price_cents > 0


def test_every_category_is_on_the_menu() -> None:
    assert {item.category for item in MENU} == set(CATEGORIES)


def test_vegan_items_are_also_vegetarian_and_dairy_free_items_hold_no_milk() -> None:
    for item in MENU:
        if "vegan" in item.dietary_tags:
            assert "vegetarian" in item.dietary_tags, item.item_id
        if "dairy-free" in item.dietary_tags or "vegan" in item.dietary_tags:
            assert "milk" not in item.allergens, item.item_id
        if "gluten-free" in item.dietary_tags:
            assert "gluten" not in item.allergens, item.item_id


def test_at_least_five_available_vegetarian_mains_under_fifteen_pounds() -> None:
    mains = [
        item
        for item in MENU
        if item.category == "mains" and "vegetarian" in item.dietary_tags and item.available and item.price_cents < 1500
    ]
    assert len(mains) >= 5


def test_some_items_contain_peanuts_including_vegetarian_ones() -> None:
    peanut_items = [item for item in MENU if "peanuts" in item.allergens]
    assert len(peanut_items) >= 3
    assert any("vegetarian" in item.dietary_tags and item.available for item in peanut_items)


def test_a_few_items_are_unavailable() -> None:
    assert 1 <= sum(not item.available for item in MENU) < len(MENU) // 5


def test_menu_item_looks_items_up_by_id() -> None:
    assert menu_item("m-01") == MENU[0]
    assert menu_item("m-999") is None
