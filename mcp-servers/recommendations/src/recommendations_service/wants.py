"""What a customer's context words ask for: "tonight" → mains, "something spicy" → spicy dishes, …

`read_context` is pure: the same words always give the same `Wants`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from mcp_common.food import CUISINES

KNOWN_CUISINES: tuple[str, ...] = CUISINES


@dataclass(frozen=True)
class Occasion:
    """Categories a context word favours, with points each, and how a reason names it."""

    boosts: Mapping[str, float]
    phrase: str  # formatted with {noun}, the dish's category in the singular

    def reason(self, category: str) -> str:
        return self.phrase.format(noun=category_noun(category))


# Meal times lean towards categories; naming a category asks for it outright.
_EVENING = {"mains": 3.0, "pizza": 1.5, "burgers": 1.5}
ASKED = 9.0  # more than the profile and history can add up to
_OCCASIONS: dict[str, Occasion] = {
    "tonight": Occasion(_EVENING, "A {noun} for tonight"),
    "dinner": Occasion(_EVENING, "A {noun} for dinner"),
    "supper": Occasion(_EVENING, "A {noun} for supper"),
    "evening": Occasion(_EVENING, "A {noun} for this evening"),
    "lunch": Occasion({"salads": 3.0, "mains": 2.5, "burgers": 1.0, "pizza": 1.0}, "A {noun} for lunch"),
    "hungry": Occasion({"mains": 3.0, "burgers": 2.0, "pizza": 2.0}, "A filling {noun}"),
    "hearty": Occasion({"mains": 3.0, "burgers": 2.0}, "A hearty {noun}"),
    "light": Occasion({"salads": 3.0, "starters": 1.5}, "Something light: a {noun}"),
    "healthy": Occasion({"salads": 3.0}, "A fresh {noun}"),
    "dessert": Occasion({"desserts": ASKED}, "Something sweet for dessert"),
    "pudding": Occasion({"desserts": ASKED}, "Something sweet for pudding"),
    "sweet": Occasion({"desserts": ASKED}, "Something sweet, as you asked"),
    "drink": Occasion({"drinks": ASKED}, "A {noun}, as you asked"),
    "thirsty": Occasion({"drinks": ASKED}, "A {noun} for your thirst"),
    "starter": Occasion({"starters": ASKED, "sides": 3.0}, "A {noun} to start"),
    "snack": Occasion({"starters": 5.0, "sides": 5.0}, "A {noun} to snack on"),
    "side": Occasion({"sides": ASKED}, "A {noun}, as you asked"),
    "salad": Occasion({"salads": ASKED}, "A {noun}, as you asked"),
    "pizza": Occasion({"pizza": ASKED}, "A {noun}, as you asked"),
    "burger": Occasion({"burgers": ASKED}, "A {noun}, as you asked"),
    "main": Occasion({"mains": ASKED}, "A {noun}, as you asked"),
}
_PLURALS = {
    "desserts": "dessert",
    "puddings": "pudding",
    "drinks": "drink",
    "starters": "starter",
    "snacks": "snack",
    "sides": "side",
    "salads": "salad",
    "pizzas": "pizza",
    "burgers": "burger",
    "mains": "main",
}
_NOUNS = {
    "mains": "main",
    "pizza": "pizza",
    "burgers": "burger",
    "salads": "salad",
    "starters": "starter",
    "desserts": "dessert",
    "drinks": "drink",
    "sides": "side",
}
_SPICY = frozenset({"spicy", "spice", "hot", "chilli", "chili", "fiery", "kick"})
_CHEAP = frozenset({"cheap", "budget", "affordable", "inexpensive", "thrifty"})
_MILD = re.compile(r"\bmild\b|\b(?:not|no|non)[\s-]*spic")
_BUDGET = re.compile(r"\b(?:under|below|less than|max|maximum|up to|within)\s*£?\s*(\d{1,4}(?:\.\d{1,2})?)")
_CONTROL_WORDS = frozenset({"mild", "not", "non", "under", "below", "less", "than", "max", "maximum", "within"})
_STOPWORDS = frozenset(
    {
        "a", "an", "and", "any", "anything", "are", "as", "at", "be", "but", "can", "could", "do", "eat", "eating",
        "feel", "feeling", "food", "for", "fancy", "from", "get", "give", "good", "have", "i", "in", "is", "it",
        "just", "like", "me", "meal", "mood", "my", "nice", "now", "of", "on", "or", "order", "please", "recommend",
        "recommendation", "recommendations", "should", "some", "something", "suggest", "suggestion", "suggestions",
        "the", "then", "to", "today", "tomorrow", "treat", "want", "what", "whats", "which", "with", "would", "you",
        "your", "yummy", "tasty",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Wants:
    """What the context asks for; empty when there is no context."""

    text: str | None = None
    categories: Mapping[str, tuple[float, str]] = field(default_factory=dict)  # category → (points, reason)
    spicy: bool = False
    mild: bool = False
    cuisines: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()
    budget_cents: int | None = None
    cheap: bool = False

    def category_reason(self, category: str) -> tuple[float, str] | None:
        return self.categories.get(category)


def read_context(text: str | None, cuisines: Iterable[str] = KNOWN_CUISINES) -> Wants:
    """Read a short free-text context ("something spicy tonight", "thai under £12") into `Wants`."""
    if not text or not text.strip():
        return Wants()
    lowered = " ".join(text.lower().split())
    words = [_PLURALS.get(w, w) for w in re.findall(r"[a-z]+", lowered)]
    mild = bool(_MILD.search(lowered))
    asked_cuisines = frozenset(c for c in {c.lower() for c in cuisines} if _mentions(lowered, c))
    cuisine_words = {part for c in asked_cuisines for part in re.findall(r"[a-z]+", c)}
    return Wants(
        text=text.strip(),
        categories=_categories(words),
        spicy=not mild and any(w in _SPICY for w in words),
        mild=mild,
        cuisines=asked_cuisines,
        words=tuple(dict.fromkeys(w for w in words if _is_free_word(w) and w not in cuisine_words)),
        budget_cents=_budget(lowered),
        cheap=any(w in _CHEAP for w in words),
    )


def category_noun(category: str) -> str:
    """`mains` → `main`: the category as a singular noun for reasons."""
    return _NOUNS.get(category, category)


def _categories(words: Iterable[str]) -> dict[str, tuple[float, str]]:
    chosen: dict[str, tuple[float, str]] = {}
    for word in words:
        occasion = _OCCASIONS.get(word)
        if occasion is None:
            continue
        for category, points in occasion.boosts.items():
            if category not in chosen or points > chosen[category][0]:
                chosen[category] = (points, occasion.reason(category))
    return chosen


def _mentions(text: str, cuisine: str) -> bool:
    spoken = re.escape(cuisine).replace(r"\-", "[\\s-]?")
    return re.search(rf"\b{spoken}\b", text) is not None


def _is_free_word(word: str) -> bool:
    known = word in _OCCASIONS or word in _SPICY or word in _CHEAP or word in _CONTROL_WORDS
    return len(word) >= 3 and word not in _STOPWORDS and not known


def _budget(text: str) -> int | None:
    match = _BUDGET.search(text)
    if match is None:
        return None
    try:
        return int(Decimal(match.group(1)) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern only matches numbers
        return None
