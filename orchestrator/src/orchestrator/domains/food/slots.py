"""Slot extraction: the details a food flow may use, read from a message by rules.

Dietary tags, allergens to leave out, menu category, price ceiling, quantity, which of the items
shown the user means, address label, order id, how many past orders, a cancellation reason,
preference changes, and the words left over for a free-text menu search.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rapidfuzz import fuzz, process

from mcp_common.food import CUISINES
from orchestrator.domains.food.state import ConversationView
from orchestrator.domains.food.vocabulary import ALLERGEN_WORDS, CATEGORY_WORDS, DIETARY_WORDS, NUMBERS, ORDINALS


def normalise(message: str) -> str:
    """Lower case, typographic apostrophes and spacing evened out, `£` set apart."""
    text = message.lower().replace("’", "'").replace("£", " £")
    return re.sub(r"\s+", " ", text).strip()


def extract_slots(text: str, intent: str, view: ConversationView) -> dict[str, Any]:
    """Every slot the rules can read from `text`; flows take the ones they need."""
    slots: dict[str, Any] = {}
    if intent == "update_preferences":
        slots |= _preference_changes(text)
    else:
        dietary = _found(text, DIETARY_WORDS)
        if dietary:
            slots["dietary"] = dietary
        excluded = _excluded_allergens(text)
        if excluded:
            slots["exclude_allergens"] = excluded
    category = _category(text)
    if category:
        slots["category"] = category
    price = _max_price(text)
    if price is not None:
        slots["max_price"] = price
    quantity = _quantity(text)
    if quantity is not None:
        slots["quantity"] = quantity
    reference = _reference(text, view)
    if reference is not None:
        slots["item_ref"] = reference
    label = re.search(r"\b(home|work|office)\b", text)
    if label:
        slots["address_label"] = "work" if label.group(1) == "office" else label.group(1)
    order_id = re.search(r"\b(ord-[0-9a-f]{6,32})\b", text)
    if order_id:
        slots["order_id"] = order_id.group(1)
    limit = re.search(r"\blast (\d{1,2}|" + "|".join(k for k in NUMBERS if " " not in k) + r") orders?\b", text)
    if limit:
        slots["limit"] = int(limit.group(1)) if limit.group(1).isdigit() else NUMBERS[limit.group(1)]
    reason = re.search(r"\b(?:because|since|as) (.{3,200})$", text)
    if reason:
        slots["reason"] = reason.group(1).strip(" .!")
    if intent in ("browse_menu", "add_to_cart"):
        words = _search_words(text)
        if words:
            slots["text"] = words
    if intent == "recommend":
        slots["context"] = text[:200]
    return slots


def _found(text: str, table: Mapping[str, str]) -> list[str]:
    found: list[str] = []
    for phrase, value in sorted(table.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text) and value not in found:
            found.append(value)
    return found


def _excluded_allergens(text: str) -> list[str]:
    found: list[str] = []
    for phrase, value in ALLERGEN_WORDS.items():
        patterns = (
            rf"\b(no|without|free of|free from|avoid|avoiding|not|allergic to)\s+(any\s+)?{re.escape(phrase)}\b",
            rf"\b{re.escape(phrase)}[- ]free\b",
        )
        if any(re.search(p, text) for p in patterns) and value not in found:
            found.append(value)
            if phrase in ("nut", "nuts") and "peanuts" not in found:
                found.append("peanuts")  # "no nuts" means no peanuts either
    return found


def _preference_changes(text: str) -> dict[str, Any]:
    """`add_dietary`, `remove_dietary`, `add_allergens`, `remove_allergens`, `add_cuisines`."""
    changes: dict[str, list[str]] = {}
    negative = re.search(r"\b(no longer|not|don'?t|stop|remove|isn'?t|aren'?t)\b", text)
    dietary = _found(text, DIETARY_WORDS)
    allergens = _found(text, ALLERGEN_WORDS) if re.search(r"allerg|intoleran|can'?t eat|cannot eat", text) else []
    if dietary:
        changes["remove_dietary" if negative else "add_dietary"] = dietary
    if allergens:
        changes["remove_allergens" if negative else "add_allergens"] = allergens
    cuisines: list[str] = [c for c in CUISINES if re.search(rf"\b{c}\b", text)]
    if cuisines:
        changes["remove_cuisines" if negative else "add_cuisines"] = cuisines
    return changes


def _category(text: str) -> str | None:
    for phrase, value in sorted(CATEGORY_WORDS.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b{re.escape(phrase)}\b", text):
            return value
    return None


def _max_price(text: str) -> float | None:
    match = re.search(
        r"\b(?:under|below|less than|cheaper than|max(?:imum)?|at most|up to|no more than)\s*£?\s*(\d+(?:\.\d{1,2})?)",
        text,
    )
    return float(match.group(1)) if match else None


def _quantity(text: str) -> int | None:
    """The first count in the message ("two of the first one" → 2), ignoring prices and ordinals."""
    text = re.sub(r"\b(" + "|".join(ORDINALS) + r")( one)?\b", " ", text)
    text = re.sub(
        r"(£\s*\d+(\.\d+)?|\b(under|below|less than|cheaper than|max(imum)?|at most|up to|no more than)"
        r"\s*£?\s*\d+(\.\d+)?|\b\d+(\.\d+)?\s*(pounds?|quid|gbp)\b|\bord-[0-9a-f]+)",
        " ",
        text,
    )
    words = "|".join(re.escape(k) for k in sorted(NUMBERS, key=len, reverse=True) if k not in ("a", "an"))
    match = re.search(rf"\b(\d{{1,2}}|{words})\b", text)
    if match is None:
        return None
    value = int(match.group(1)) if match.group(1).isdigit() else NUMBERS[match.group(1)]
    return value if 0 < value <= 20 else None


def _reference(text: str, view: ConversationView) -> int | str | None:
    """Which shown item the user means: a 1-based position (-1 = last), or the shown name."""
    match = re.search(r"\b(" + "|".join(ORDINALS) + r")\b(?: one| item| dish| option)?", text)
    if match:
        return ORDINALS[match.group(1)]
    match = re.search(r"(?:number|no\.?|#)\s*(\d{1,2})\b", text)
    if match:
        return int(match.group(1))
    if view.shown_items:
        best = process.extractOne(text, list(view.shown_items), scorer=fuzz.partial_ratio)
        if best is not None and best[1] >= 85:
            return str(best[0])
    return None


_SEARCH_STOPWORD_TEXT = (
    "a an and any are can could dishes do food for get got have i i'd i'll i'm is it items like me menu "
    "my of on options please show some something the to under below less than want what whats what's "
    "with you your see list browse find add order one two three four five take me would cheaper no "
    "without free £ max at most up"
)
_SEARCH_STOPWORDS = frozenset(_SEARCH_STOPWORD_TEXT.split())


def _search_words(text: str) -> str | None:
    """Words left after the recognised slots: free-text search ("paneer", "curry")."""
    words = re.findall(r"[a-z][a-z'-]+", text)
    known = set(DIETARY_WORDS) | set(ALLERGEN_WORDS) | set(CATEGORY_WORDS) | set(NUMBERS) | set(ORDINALS)
    left = [w for w in words if w not in _SEARCH_STOPWORDS and w not in known and not w.endswith("-free")]
    left = [w for w in left if not any(w in phrase.split() for phrase in known)]
    return " ".join(left[:6]) or None
