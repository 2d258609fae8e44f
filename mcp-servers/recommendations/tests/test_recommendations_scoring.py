"""Ranking as pure functions: safety for every persona and context, reasons, context words, history, variety."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from recommendations_fakes import ADA_ORDERS, demo_orders, menu_item

from customer_profile_service.demo_profiles import PROFILES, DemoProfile
from menu_service.demo_menu import MENU
from recommendations_service.downstream import MenuItemView, OrderLineView, OrderView, ProfileView
from recommendations_service.scoring import Habits, Pick, Taste, is_safe, rank
from recommendations_service.wants import read_context

FULL_MENU = [MenuItemView.model_validate(menu_item(i).model_dump()) for i in MENU]
DEMO = {i.item_id: i for i in MENU}
_rng = random.Random(20260105)
_VOCABULARY = sorted({w.strip(".,").lower() for i in MENU for w in f"{i.name} {i.description}".split()})
RANDOM_CONTEXTS = [" ".join(_rng.choice(_VOCABULARY) for _ in range(_rng.randint(1, 3))) for _ in range(12)] + [
    "".join(_rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(_rng.randint(3, 40))) for _ in range(8)
]
CONTEXTS = [
    None,
    "",
    "tonight",
    "something spicy",
    "lunch",
    "dessert",
    "something spicy for dinner tonight",
    "not spicy",
    "a cheap drink",
    "thai under £12",
    "middle eastern",
    "pizza",
    "peanut satay",
    "cheese",
    "healthy light lunch",
    "sides",
    "🍕 pizza!!",
    "x" * 200,
    *RANDOM_CONTEXTS,
]


def _profile(person: DemoProfile) -> ProfileView:
    return ProfileView(
        email=person.email,
        dietary_preferences=list(person.dietary_preferences),
        allergens=list(person.allergens),
        favourite_cuisines=list(person.favourite_cuisines),
    )


def _orders(email: str) -> list[OrderView]:
    return [
        OrderView(order_id=f"ord-{n}", status=status, items=[OrderLineView(item_id=i) for i in ids])
        for n, (status, ids) in enumerate(demo_orders(email))
    ]


def _rank(email: str, context: str | None, *, limit: int = 5, seen: dict[str, int] | None = None) -> list[Pick]:
    person = PROFILES[email]
    habits = Habits.of(_orders(email), FULL_MENU)
    return rank(FULL_MENU, Taste.of(_profile(person)), habits, read_context(context), seen=seen, limit=limit)


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("email", sorted(PROFILES))
def test_no_pick_ever_contains_a_declared_allergen_or_lacks_a_declared_diet(email: str, context: str | None) -> None:
    person = PROFILES[email]

    picks = _rank(email, context, limit=20)  # the whole unfiltered menu: as if the menu ignored its filters

    for pick in picks:
        dish = DEMO[pick.item.item_id]
        assert dish.available, dish
        assert not set(person.allergens) & set(dish.allergens), (email, context, dish)
        tags = set(dish.dietary_tags) | ({"vegetarian"} if "vegan" in dish.dietary_tags else set())
        assert set(person.dietary_preferences) <= tags, (email, context, dish)
        assert pick.reason.strip()
    assert len({p.item.item_id for p in picks}) == len(picks)
    assert [p.score for p in picks] == sorted((p.score for p in picks), reverse=True)


@pytest.mark.parametrize("email", sorted(PROFILES))
def test_every_persona_gets_a_full_list_when_enough_dishes_fit(email: str) -> None:
    taste = Taste.of(_profile(PROFILES[email]))
    fitting = [i for i in FULL_MENU if is_safe(i, taste)]

    assert len(_rank(email, None, limit=20)) == min(20, len(fitting))


def test_ada_tonight_gets_mains_she_can_eat_with_reasons_from_her_habits() -> None:
    picks = _rank("ada@example.com", "tonight")

    assert [p.item.category for p in picks] == ["mains"] * 5
    assert all("vegetarian" in DEMO[p.item.item_id].dietary_tags for p in picks)
    assert all("peanuts" not in DEMO[p.item.item_id].allergens for p in picks)
    first = picks[0]
    assert first.item.item_id == "m-09"  # Paneer Tikka Masala: Indian, ordered three times
    assert first.reason.startswith("You often order Indian")
    assert any("for tonight" in p.reason for p in picks)


def test_something_spicy_puts_spicy_dishes_first() -> None:
    picks = _rank("grace@example.com", "something spicy")

    assert all(p.item.spicy for p in picks)
    assert all("spicy, as you asked" in p.reason.lower() for p in picks)


def test_not_spicy_keeps_spicy_dishes_out_of_the_top() -> None:
    assert not any(p.item.spicy for p in _rank("grace@example.com", "not spicy tonight"))


def test_dessert_gives_desserts_and_never_the_peanut_brownie_to_ada() -> None:
    picks = _rank("ada@example.com", "dessert")

    assert {p.item.category for p in picks[:3]} == {"desserts"}
    assert "m-46" not in {p.item.item_id for p in picks}


def test_lunch_favours_salads_and_mains() -> None:
    categories = [p.item.category for p in _rank("edsger@example.com", "lunch")]

    assert categories[0] in {"salads", "mains"}
    assert sum(c in {"salads", "mains"} for c in categories) >= 3


def test_an_asked_cuisine_and_budget_are_honoured() -> None:
    picks = _rank("grace@example.com", "thai under £12", limit=3)

    assert all(p.item.price_cents <= 1200 for p in picks)
    assert picks[0].item.cuisine == "thai" and "Thai, as you asked" in picks[0].reason


def test_a_budget_nothing_fits_gives_no_picks() -> None:
    assert _rank("grace@example.com", "under £1") == []


def test_free_words_match_dish_names_and_descriptions() -> None:
    picks = _rank("grace@example.com", "risotto")

    assert picks[0].item.name == "Wild Mushroom Risotto"
    assert 'Matches "risotto"' in picks[0].reason


def test_recent_impressions_rotate_the_top_picks() -> None:
    first = _rank("ada@example.com", "tonight", limit=3)
    again = _rank("ada@example.com", "tonight", limit=3, seen={p.item.item_id: 1 for p in first})

    assert {p.item.item_id for p in again} != {p.item.item_id for p in first}


def test_variety_limits_how_many_picks_share_a_cuisine() -> None:
    cuisines = Counter(p.item.cuisine for p in _rank("grace@example.com", None, limit=8))

    assert max(cuisines.values()) <= 4


def test_cancelled_orders_do_not_count_and_no_history_gives_no_history_reasons() -> None:
    habits = Habits.of(_orders("ada@example.com"), FULL_MENU)
    taste = Taste.of(_profile(PROFILES["ada@example.com"]))

    blind = rank(FULL_MENU, taste, Habits(), read_context("tonight"), limit=5)

    assert habits.orders == sum(status != "cancelled" for status, _ in ADA_ORDERS)
    assert habits.dishes.get("m-16") is None
    assert not any("order" in p.reason for p in blind)
    assert blind[0].reason == "Indian is one of your favourite cuisines; a main for tonight"


def test_everyday_words_for_allergens_and_diets_are_understood() -> None:
    taste = Taste.of(
        ProfileView(email="x@example.com", dietary_preferences=["veggie"], allergens=["peanut"], favourite_cuisines=[])
    )
    satay = next(i for i in FULL_MENU if i.item_id == "m-11")  # vegan (so vegetarian), with peanuts
    chana = next(i for i in FULL_MENU if i.item_id == "m-10")  # vegan, no peanuts

    assert not is_safe(satay, taste)
    assert is_safe(chana.model_copy(update={"dietary_tags": ["vegan"]}), taste)


def test_the_same_inputs_always_give_the_same_ranking() -> None:
    assert _rank("linus@example.com", "lunch", limit=10) == _rank("linus@example.com", "lunch", limit=10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("something spicy", {"spicy": True, "mild": False}),
        ("not spicy please", {"spicy": False, "mild": True}),
        ("thai under £12.50", {"cuisines": frozenset({"thai"}), "budget_cents": 1250}),
        ("Middle Eastern", {"cuisines": frozenset({"middle-eastern"}), "words": ()}),
        ("cheap eats", {"cheap": True, "words": ("eats",)}),
        ("zebra crossing", {"words": ("zebra", "crossing")}),
    ],
)
def test_context_words_are_read_into_wants(text: str, expected: dict[str, object]) -> None:
    wants = read_context(text)

    assert {key: getattr(wants, key) for key in expected} == expected


def test_meal_words_favour_their_categories() -> None:
    assert read_context("tonight").categories["mains"][0] > read_context("tonight").categories["pizza"][0]
    assert set(read_context("lunch").categories) >= {"salads", "mains"}
    assert set(read_context("desserts").categories) == {"desserts"}
    assert read_context("   ") == read_context(None)
