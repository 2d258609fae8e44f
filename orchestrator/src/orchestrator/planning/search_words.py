"""The words of a clause that are a search's text (dishes and cuisines, misspellings corrected to the food
vocabulary) or a recommendation's context (the user's own words, minus the asking)."""

from __future__ import annotations

import functools

from rapidfuzz import fuzz, process

from orchestrator.planning import lexicon

_NOT_TEXT = frozenset(
    [
        "menu",
        "food",
        "dish",
        "dishes",
        "options",
        "option",
        "anything",
        "something",
        "eat",
        "got",
        "have",
        "serve",
        "sell",
        "menu?",
        "meal",
        "order",
        "cost",
        "price",
        "cheap",
        "cheapest",
        "cheaper",
        "available",
        "today",
        "tonight",
        "vegetarian",
        "vegan",
        "contain",
        "contains",
        "in",
        "ok",
        "good",
    ]
)


@functools.cache
def _food_vocabulary() -> tuple[str, ...]:
    return tuple(sorted(lexicon.FOOD_WORDS | lexicon.CUISINE_WORDS))


def search_text(lowered: str, used: set[str]) -> str | None:
    """The clause's dish and cuisine words (misspellings corrected to the food vocabulary), singular."""
    vocabulary = _food_vocabulary()
    out: list[str] = []
    for word in lowered.split():
        if word in used or word in lexicon.STOPWORDS or word in _NOT_TEXT or word.isdigit():
            continue
        if word in lexicon.FOOD_WORDS or word in lexicon.CUISINE_WORDS:
            chosen = word
        elif len(word) >= 5 and word.isalpha():
            found = process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=75)
            if found is None:
                continue
            chosen = str(found[0])
        else:
            continue
        if chosen in _CATEGORY_WORDS:
            continue
        chosen = chosen[:-1] if chosen.endswith("s") and chosen[:-1] in lexicon.FOOD_WORDS else chosen
        if chosen not in out:
            out.append(chosen)
    return " ".join(out) or None


_CATEGORY_WORDS = frozenset(
    [
        "pizza",
        "pizzas",
        "burger",
        "burgers",
        "salad",
        "salads",
        "dessert",
        "desserts",
        "drink",
        "drinks",
        "side",
        "sides",
        "starter",
        "starters",
        "main",
        "mains",
        "pudding",
        "puddings",
        "dish",
        "dishes",
        "meal",
    ]
)
_CONTEXT_SKIP = frozenset(
    ["recommend", "suggest", "suggestion", "suggestions", "idea", "ideas", "should", "order", "eat", "for", "me"]
)


def context_words(lowered: str, used: set[str]) -> str | None:
    """The clause's own words for a recommendation's context (at most eight)."""
    kept = [
        w for w in lowered.split()
        if w not in lexicon.STOPWORDS and w not in _CONTEXT_SKIP and w not in used and not w.isdigit()
        and w not in lexicon.NUMBER_WORDS
    ]  # fmt: skip
    return " ".join(kept[:8]) or None
