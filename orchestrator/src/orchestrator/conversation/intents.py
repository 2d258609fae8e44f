"""Intent classification and slot extraction behind one protocol.

`RuleIntentClassifier` is the embedded default: ordered patterns (data, in `INTENT_PATTERNS`)
decide the intent, then small extractors read the slots a flow may use (dietary tags, category,
price ceiling, quantity, which of the shown items, address label, order id, preferences…). An
LLM classifier implements the same `IntentClassifier` protocol and returns the same `Intent`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from rapidfuzz import fuzz, process

INTENTS = (
    "browse_menu",
    "recommend",
    "add_to_cart",
    "remove_from_cart",
    "view_cart",
    "choose_address",
    "checkout",
    "confirm",
    "decline",
    "track_order",
    "order_history",
    "cancel_order",
    "update_preferences",
    "show_profile",
    "help",
)


@dataclass(frozen=True)
class ConversationView:
    """What the classifier may know of the conversation: no personal data beyond item names."""

    shown_items: tuple[str, ...] = ()
    cart_items: tuple[str, ...] = ()
    pending: str | None = None


@dataclass(frozen=True)
class Intent:
    name: str
    confidence: float
    slots: dict[str, Any] = field(default_factory=dict)
    source: str = "rules"  # who decided: "rules", "llm", or "rules (fallback: <reason>)"


class IntentClassifier(Protocol):
    name: str

    async def classify(self, message: str, view: ConversationView) -> Intent: ...


DIETARY = {
    "vegan": "vegan",
    "plant based": "vegan",
    "plant-based": "vegan",
    "vegetarian": "vegetarian",
    "veggie": "vegetarian",
    "meat free": "vegetarian",
    "meat-free": "vegetarian",
    "gluten free": "gluten-free",
    "gluten-free": "gluten-free",
    "coeliac": "gluten-free",
    "celiac": "gluten-free",
    "dairy free": "dairy-free",
    "dairy-free": "dairy-free",
    "lactose free": "dairy-free",
    "halal": "halal",
}
ALLERGENS = {
    "peanut": "peanuts",
    "peanuts": "peanuts",
    "tree nut": "tree-nuts",
    "tree nuts": "tree-nuts",
    "tree-nuts": "tree-nuts",
    "nuts": "tree-nuts",
    "nut": "tree-nuts",
    "milk": "milk",
    "dairy": "milk",
    "lactose": "milk",
    "egg": "eggs",
    "eggs": "eggs",
    "gluten": "gluten",
    "wheat": "gluten",
    "soy": "soy",
    "soya": "soy",
    "fish": "fish",
    "shellfish": "shellfish",
    "prawn": "shellfish",
    "prawns": "shellfish",
    "sesame": "sesame",
}
CATEGORIES = {
    "starter": "starters",
    "starters": "starters",
    "appetiser": "starters",
    "appetisers": "starters",
    "appetizer": "starters",
    "appetizers": "starters",
    "main": "mains",
    "mains": "mains",
    "main course": "mains",
    "main courses": "mains",
    "main dishes": "mains",
    "pizza": "pizza",
    "pizzas": "pizza",
    "burger": "burgers",
    "burgers": "burgers",
    "salad": "salads",
    "salads": "salads",
    "dessert": "desserts",
    "desserts": "desserts",
    "pudding": "desserts",
    "puddings": "desserts",
    "sweets": "desserts",
    "drink": "drinks",
    "drinks": "drinks",
    "beverage": "drinks",
    "beverages": "drinks",
    "side": "sides",
    "sides": "sides",
}
CUISINES = (
    "italian",
    "indian",
    "thai",
    "mexican",
    "japanese",
    "british",
    "american",
    "mediterranean",
    "chinese",
    "middle-eastern",
)
NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "single": 1,
    "two": 2,
    "a couple of": 2,
    "couple of": 2,
    "pair of": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "last": -1,
}
YES = r"(yes|yep|yeah|yup|sure|ok|okay|confirm|confirmed|go ahead|do it|place it|please do|correct|absolutely|y)"
NO = r"(no|nope|nah|don'?t|do not|stop|never ?mind|not now|n)"

# Ordered: the first intent with a matching pattern wins. Patterns see the lower-cased message.
INTENT_PATTERNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("confirm", (rf"^\s*{YES}\b[\s!.,]*(please|thanks|thank you)?[\s!.]*$",)),
    ("decline", (rf"^\s*{NO}\b[\s!.,]*(thanks|thank you)?[\s!.]*$",)),
    ("cancel_order", (r"\bcancel\b.*\border\b", r"\bcancel (it|that|ord-[0-9a-f]+)\b", r"\bcancel my\b")),
    ("track_order", (r"\bwhere('?s| is)\b.*\b(order|food|delivery)\b", r"\btrack", r"\b(order|delivery) status\b",
                     r"\bstatus of my (order|delivery)\b", r"\bwhen will (it|my (order|food))\b", r"\beta\b",
                     r"\bhow long (until|till|will)\b")),
    ("order_history", (r"\b(past|previous|recent|last|old) orders?\b", r"\border history\b",
                       r"\bwhat (did|have) i (order|ordered|eaten|had)\b", r"\bmy orders\b")),
    ("checkout", (r"\bcheck ?out\b", r"\bplace (the|my) order\b", r"\b(i'?m|that'?s) (done|all)\b",
                  r"\bready to (order|pay)\b", r"\bpay now\b", r"\bcomplete (the|my) order\b")),
    ("view_cart", (r"\b(what'?s|show|view|see) (in )?(my|the) (cart|basket|bag)\b", r"^\s*(cart|basket)\s*\??$")),
    ("remove_from_cart", (r"\b(remove|delete|take out|drop)\b", r"\b(empty|clear) (my |the )?(cart|basket)\b")),
    ("choose_address", (r"\bdeliver(y)? (it |them )?(to|at)\b", r"\bsend (it|them) to\b", r"\bship to\b",
                        r"\buse my (home|work|office)\b", r"\b(home|work|office) address\b")),
    ("update_preferences", (r"\bi'?m (now )?(vegan|vegetarian|veggie|coeliac|celiac|allergic|intolerant)\b",
                            r"\bi am (now )?(vegan|vegetarian|veggie|coeliac|celiac|allergic|intolerant)\b",
                            r"\ballergic to\b", r"\b(no longer|not) (vegan|vegetarian|allergic)\b",
                            r"\b(update|change|set|add|remove) (my )?(diet|dietary|preferences?|allerg)",
                            r"\bi (love|like|prefer) \w+ (food|cuisine)\b", r"\bmy favourite cuisines?\b")),
    ("show_profile", (r"\bmy (profile|account|details|addresses|address|preferences|allergies|loyalty|points)\b",
                      r"\bwho am i\b", r"\bloyalty points\b", r"\bwhat do you know about me\b")),
    ("recommend", (r"\brecommend", r"\bsuggest", r"\bwhat should i (eat|have|order|get)\b",
                   r"\b(hungry|surprise me|any ideas)\b", r"\bsomething (for|good|nice|tasty|spicy|light)\b")),
    ("add_to_cart", (r"\b(add|i'?ll (have|take)|i want|i'?d like|get me|order)\b.*"
                     r"\b(one|it|them|that|this|\d+|two|three|first|second|third|last|of)\b",
                     r"^\s*add\b")),
    ("browse_menu", (r"\bmenu\b", r"\b(show|list|see|browse|find|any|have|got)\b.*"
                     r"\b(dishes|food|items|options|" + "|".join(CATEGORIES) + r")\b",
                     r"\b(" + "|".join(CATEGORIES) + r")\b.*\b(under|below|less than|cheaper than)\b",
                     r"\bcategories\b")),
    ("help", (r"\b(help|what can you do|how does this work)\b", r"^\s*(hi|hello|hey)\b")),
)  # fmt: skip

# Fallback when no pattern matched: fuzzy match against example utterances.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "browse_menu": ("show me the menu", "vegetarian mains under 15", "what pizzas do you have", "gluten free dishes"),
    "recommend": ("what would you recommend", "what should I eat tonight", "suggest something spicy"),
    "track_order": ("where is my order", "track my delivery", "when will my food arrive"),
    "order_history": ("show my past orders", "what did I order last time"),
    "show_profile": ("show my profile", "what addresses do you have for me"),
    "view_cart": ("what is in my cart",),
}
_FALLBACK_THRESHOLD = 70.0


class RuleIntentClassifier:
    """Patterns first, fuzzy examples second, `help` last; slots read by rules."""

    name = "rules"

    async def classify(self, message: str, view: ConversationView) -> Intent:
        text = _normalise(message)
        intent, confidence = _match(text)
        if intent == "confirm" and view.pending is None:
            confidence = 0.6  # a "yes" with nothing to confirm: the flow says so
        return Intent(intent, confidence, extract_slots(text, intent, view))


def _normalise(message: str) -> str:
    text = message.lower().replace("’", "'").replace("£", " £")
    return re.sub(r"\s+", " ", text).strip()


def _match(text: str) -> tuple[str, float]:
    for intent, patterns in INTENT_PATTERNS:
        if any(re.search(p, text) for p in patterns):
            return intent, 0.9
    choices = {f"{intent}\x1f{example}": example for intent, examples in EXAMPLES.items() for example in examples}
    best = process.extractOne(text, choices, scorer=fuzz.token_set_ratio)
    if best is not None and best[1] >= _FALLBACK_THRESHOLD:
        return best[2].split("\x1f")[0], round(best[1] / 100 * 0.8, 3)
    return "help", 0.3


def extract_slots(text: str, intent: str, view: ConversationView) -> dict[str, Any]:
    """Every slot the rules can read from `text`; flows take the ones they need."""
    slots: dict[str, Any] = {}
    if intent == "update_preferences":
        slots |= _preference_changes(text)
    else:
        dietary = _found(text, DIETARY)
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


def _found(text: str, table: dict[str, str]) -> list[str]:
    found: list[str] = []
    for phrase, value in sorted(table.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text) and value not in found:
            found.append(value)
    return found


def _excluded_allergens(text: str) -> list[str]:
    found: list[str] = []
    for phrase, value in ALLERGENS.items():
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
    dietary = _found(text, DIETARY)
    allergens = _found(text, ALLERGENS) if re.search(r"allerg|intoleran|can'?t eat|cannot eat", text) else []
    if dietary:
        changes["remove_dietary" if negative else "add_dietary"] = dietary
    if allergens:
        changes["remove_allergens" if negative else "add_allergens"] = allergens
    cuisines = [c for c in CUISINES if re.search(rf"\b{c}\b", text)]
    if cuisines:
        changes["remove_cuisines" if negative else "add_cuisines"] = cuisines
    return changes


def _category(text: str) -> str | None:
    for phrase, value in sorted(CATEGORIES.items(), key=lambda kv: -len(kv[0])):
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
    known = set(DIETARY) | set(ALLERGENS) | set(CATEGORIES) | set(NUMBERS) | set(ORDINALS)
    left = [w for w in words if w not in _SEARCH_STOPWORDS and w not in known and not w.endswith("-free")]
    left = [w for w in left if not any(w in phrase.split() for phrase in known)]
    return " ".join(left[:6]) or None
