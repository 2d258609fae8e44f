"""Ranking dishes for one customer: pure functions of profile, order history, menu, context and impressions.

```
rank(menu, taste, habits, wants, seen=..., limit=5)
  1. keep only safe dishes: available, none of the declared allergens, every declared dietary tag
  2. score each: favourite cuisines, cuisines/categories/dishes in the order history, the context's
     wants, minus recent impressions (so repeated asks vary)
  3. pick greedily, a little less of a cuisine already picked (variety), best first
```
Each pick carries a reason made of its strongest signals ("You often order Indian; a main for tonight").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from mcp_common.food import ALLERGEN_ALIASES, DIETARY_TAG_ALIASES, canonical
from recommendations_service.downstream import MenuItemView, OrderView, ProfileView
from recommendations_service.wants import Wants, category_noun

# A slight default preference for a meal over a drink or a side when the context says nothing.
CATEGORY_BASE = {
    "mains": 1.0,
    "pizza": 0.8,
    "burgers": 0.8,
    "salads": 0.6,
    "starters": 0.4,
    "desserts": 0.3,
    "sides": 0.1,
    "drinks": 0.0,
}
FAVOURITE_CUISINE = 2.0
HISTORY_CUISINE = 2.5  # times the share of past orders with that cuisine
HISTORY_CATEGORY = 1.0  # times the share of past orders with that category
REORDER = 0.8  # per past order containing the dish, up to three
# What the context asks for outright outweighs what the profile and history suggest.
ASKED_CUISINE = 9.0
ASKED_SPICY = 5.0
NOT_SPICY_ENOUGH = -2.0
ASKED_WORD = 9.0
GOOD_VALUE = 1.5
SEEN_RECENTLY = -2.5  # per recent impression, up to three
SAME_CUISINE_PICKED = -0.75  # per dish of that cuisine already picked
_REASON_MIN_POINTS = 0.5
_COMMON_OPENERS = frozenset({"A", "You", "You've", "Something", "Spicy", "Mild", "Good", "Matches"})


@dataclass(frozen=True)
class Taste:
    """The customer's declared needs and likes, normalised to lower case."""

    dietary: frozenset[str]
    allergens: frozenset[str]
    favourite_cuisines: frozenset[str]

    @classmethod
    def of(cls, profile: ProfileView) -> Taste:
        return cls(
            dietary=_canonical(profile.dietary_preferences, DIETARY_TAG_ALIASES),
            allergens=_canonical(profile.allergens, ALLERGEN_ALIASES),
            favourite_cuisines=_lower(profile.favourite_cuisines),
        )


@dataclass(frozen=True)
class Habits:
    """What the customer's past orders say: how many orders had each dish, cuisine and category.

    `Habits()` (no orders) stands for a history that is empty or could not be read."""

    orders: int = 0
    dishes: Mapping[str, int] = field(default_factory=dict)
    cuisines: Mapping[str, int] = field(default_factory=dict)
    categories: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, orders: Iterable[OrderView], menu: Iterable[MenuItemView]) -> Habits:
        """Count non-cancelled orders; cuisines and categories of dishes the menu still lists."""
        by_id = {item.item_id: item for item in menu}
        dishes: Counter[str] = Counter()
        cuisines: Counter[str] = Counter()
        categories: Counter[str] = Counter()
        counted = 0
        for order in orders:
            if order.status == "cancelled":
                continue
            counted += 1
            ids = {line.item_id for line in order.items}
            dishes.update(ids)
            cuisines.update({by_id[i].cuisine.lower() for i in ids if i in by_id})
            categories.update({by_id[i].category.lower() for i in ids if i in by_id})
        return cls(orders=counted, dishes=dishes, cuisines=cuisines, categories=categories)


@dataclass(frozen=True)
class Pick:
    """One recommended dish with its score and reason."""

    item: MenuItemView
    score: float
    reason: str


@dataclass(frozen=True)
class _Signal:
    points: float
    phrase: str | None = None
    personal: bool = True  # from the customer's profile or history, rather than from the context


def is_safe(item: MenuItemView, taste: Taste) -> bool:
    """Available, free of every declared allergen and carrying every declared dietary tag (vegan counts as
    vegetarian). Checked here whatever the menu's own filters did: a dish whose allergens the menu did not
    state never gets this far (`MenuItemView` requires them)."""
    tags = _canonical(item.dietary_tags, DIETARY_TAG_ALIASES)
    if "vegan" in tags:
        tags |= {"vegetarian"}
    contains = _canonical(item.allergens, ALLERGEN_ALIASES)
    return item.available and taste.allergens.isdisjoint(contains) and taste.dietary <= tags


def rank(
    menu: Sequence[MenuItemView],
    taste: Taste,
    habits: Habits,
    wants: Wants,
    *,
    seen: Mapping[str, int] | None = None,
    limit: int = 5,
) -> list[Pick]:
    """The best `limit` safe dishes for the customer, best first, each with a reason."""
    candidates = eligible(menu, taste, wants)
    max_price = max((item.price_cents for item in candidates), default=0)
    scored = [
        (item, _signals(item, taste, habits, wants, seen=(seen or {}).get(item.item_id, 0), max_price=max_price))
        for item in candidates
    ]
    return _pick_with_variety(scored, taste, habits, limit)


def eligible(menu: Iterable[MenuItemView], taste: Taste, wants: Wants) -> list[MenuItemView]:
    """Safe dishes within the context's budget, one per item id."""
    unique = {item.item_id: item for item in menu}
    within = [i for i in unique.values() if wants.budget_cents is None or i.price_cents <= wants.budget_cents]
    return [item for item in within if is_safe(item, taste)]


def _signals(
    item: MenuItemView, taste: Taste, habits: Habits, wants: Wants, *, seen: int, max_price: int
) -> list[_Signal]:
    return [
        _Signal(CATEGORY_BASE.get(item.category.lower(), 0.0)),
        *_taste_signals(item, taste, habits),
        *_context_signals(item, wants, max_price),
        _Signal(SEEN_RECENTLY * min(seen, 3)),
    ]


def _taste_signals(item: MenuItemView, taste: Taste, habits: Habits) -> list[_Signal]:
    cuisine, category = item.cuisine.lower(), item.category.lower()
    favourite = cuisine in taste.favourite_cuisines
    cuisine_orders = habits.cuisines.get(cuisine, 0)
    points = FAVOURITE_CUISINE * favourite
    if cuisine_orders:
        points += HISTORY_CUISINE * max(cuisine_orders / habits.orders, 0.2)
    phrase = _cuisine_phrase(_title(cuisine), favourite=favourite, orders=cuisine_orders, of=habits.orders)
    signals = [_Signal(points, phrase)]
    if habits.orders:
        signals.append(_Signal(HISTORY_CATEGORY * habits.categories.get(category, 0) / habits.orders))
    reorders = habits.dishes.get(item.item_id, 0)
    if reorders:
        times = {1: "You've ordered it before", 2: "You've ordered it twice"}.get(
            reorders, f"You've ordered it {reorders} times"
        )
        signals.append(_Signal(REORDER * min(reorders, 3), times))
    return signals


def _cuisine_phrase(cuisine: str, *, favourite: bool, orders: int, of: int) -> str | None:
    often = orders >= 2 and orders / max(of, 1) >= 0.25
    if favourite and often:
        return f"You often order {cuisine}, one of your favourite cuisines"
    if favourite:
        return f"{cuisine} is one of your favourite cuisines"
    if often:
        return f"You often order {cuisine}"
    return f"You've enjoyed {cuisine} food before" if orders else None


def _context_signals(item: MenuItemView, wants: Wants, max_price: int) -> list[_Signal]:
    signals = []
    asked = wants.category_reason(item.category.lower())
    if asked is not None:
        signals.append(_Signal(*asked, personal=False))
    if wants.cuisines and item.cuisine.lower() in wants.cuisines:
        signals.append(_Signal(ASKED_CUISINE, f"{_title(item.cuisine)}, as you asked", personal=False))
    if wants.spicy:
        signals.append(
            _Signal(ASKED_SPICY, "Spicy, as you asked", personal=False) if item.spicy else _Signal(NOT_SPICY_ENOUGH)
        )
    if wants.mild and item.spicy:
        signals.append(_Signal(-ASKED_SPICY))
    if wants.mild and not item.spicy:
        signals.append(_Signal(1.0, "Mild, as you asked", personal=False))
    signals.extend(_word_signals(item, wants.words))
    if wants.cheap and max_price:
        value = GOOD_VALUE * (1 - item.price_cents / max_price)
        signals.append(_Signal(value, "Good value" if value >= GOOD_VALUE / 2 else None, personal=False))
    return signals


def _word_signals(item: MenuItemView, words: Iterable[str]) -> list[_Signal]:
    text = " ".join([item.name, item.description, item.cuisine, *item.dietary_tags]).lower()
    return [_Signal(ASKED_WORD, f'Matches "{w}"', personal=False) for w in words if _matches(w, text)]


def _matches(word: str, text: str) -> bool:
    """`word` starts a word of `text` ("noodle" finds "noodles", "tea" does not find "steamed")."""
    singular = word[:-1] if len(word) > 4 and word.endswith("s") else word
    return re.search(rf"\b{re.escape(singular)}", text) is not None


def _pick_with_variety(
    scored: list[tuple[MenuItemView, list[_Signal]]], taste: Taste, habits: Habits, limit: int
) -> list[Pick]:
    remaining = {item.item_id: (item, signals, sum(s.points for s in signals)) for item, signals in scored}
    picks: list[Pick] = []
    picked_cuisines: Counter[str] = Counter()

    def adjusted(item: MenuItemView, base: float) -> float:
        return base + SAME_CUISINE_PICKED * picked_cuisines[item.cuisine.lower()]

    while remaining and len(picks) < limit:
        # Best adjusted score first; ties go to the earlier menu item.
        item, signals, base = min(remaining.values(), key=lambda e: (-adjusted(e[0], e[2]), e[0].item_id))
        del remaining[item.item_id]
        reason = _reason(item, signals, taste, habits)
        picks.append(Pick(item=item, score=round(adjusted(item, base), 2), reason=reason))
        picked_cuisines[item.cuisine.lower()] += 1
    return picks


def _reason(item: MenuItemView, signals: list[_Signal], taste: Taste, habits: Habits) -> str:
    """The strongest personal phrase, then the strongest context phrase (or the next of the same kind)."""
    phrased = sorted(
        (s for s in signals if s.phrase and s.points >= _REASON_MIN_POINTS), key=lambda s: s.points, reverse=True
    )
    personal = [s.phrase for s in phrased if s.personal and s.phrase]
    asked = [s.phrase for s in phrased if not s.personal and s.phrase]
    phrases = list(dict.fromkeys([*personal[:1], *asked[:1], *personal[1:], *asked[1:]]))[:2]
    if not phrases:
        return _plain_reason(item, taste, habits)
    first, *rest = phrases
    return "; ".join([first, *(_decapitalised(p) for p in rest)])


def _decapitalised(phrase: str) -> str:
    """The phrase as the continuation of a sentence; cuisine names keep their capital."""
    opener = phrase.split(" ", 1)[0].rstrip(",:")
    return phrase[0].lower() + phrase[1:] if opener in _COMMON_OPENERS else phrase


def _plain_reason(item: MenuItemView, taste: Taste, habits: Habits) -> str:
    noun = category_noun(item.category.lower())
    diet = " ".join(sorted(taste.dietary))
    if diet:
        return f"A {diet} {noun} that suits your diet"
    if habits.orders and not habits.dishes.get(item.item_id):
        return f"A {noun} you haven't tried yet"
    return f"A {noun} worth trying"


def _title(cuisine: str) -> str:
    return "-".join(part.capitalize() for part in cuisine.split("-"))


def _lower(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.strip().lower() for v in values)


def _canonical(values: Iterable[str], aliases: Mapping[str, str]) -> frozenset[str]:
    """Lower-case names with everyday words mapped to the shared vocabulary ("peanut" → "peanuts")."""
    return frozenset(canonical(v, aliases) for v in values)
