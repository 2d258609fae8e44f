"""Slot extraction: the details a food flow may use, read from a message by rules.

Dietary tags, allergens to leave out, menu category, price ceiling, quantity, which item the user
means (a position, a name resolved against the items shown and the basket with fuzzy matching of
misspellings, a menu id), address label, order id, how many past orders, a relative time, a
cancellation reason, preference changes, and the words left over for a free-text menu search.
Every table and pattern is compiled once, at import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process

from mcp_common.food import CUISINES
from orchestrator.domains.food.state import ConversationView
from orchestrator.domains.food.vocabulary import (
    ADDRESS_WORDS,
    ALLERGEN_WORDS,
    CATEGORY_WORDS,
    DIETARY_WORDS,
    EMOJI,
    NUMBERS,
    ORDINALS,
    PRICE_WORDS,
    SHORTHAND,
)


def alternation(table: Iterable[str]) -> str:
    """A regex alternation of the phrases, longest first (so "tree nuts" wins over "nuts")."""
    return "|".join(re.escape(p) for p in sorted(table, key=len, reverse=True))


_KEYWORD_TEXT = (
    "recommend recommendation suggest suggestion cancel cancelled track tracking delivery deliver "
    "delivered order orders ordered history checkout basket remove delete allergic allergy allergies "
    "intolerant vegetarian vegan gluten dessert desserts starter starters pizza pizzas burger burgers "
    "salad salads drinks profile preferences preference address menu previous hungry courier driver "
    "dietary account favourite something anything vegetables vegetable arrive arriving where available "
    "dishes options please thanks confirm halal dairy peanuts sesame shellfish lactose coeliac celiac "
    "starving popular categories tonight "
)
KEYWORDS: frozenset[str] = frozenset(_KEYWORD_TEXT.split()) | frozenset(
    w for w in (*DIETARY_WORDS, *ALLERGEN_WORDS, *CATEGORY_WORDS) if " " not in w and "-" not in w
)
"""The words the reader relies on; a misspelling of one (within a small edit distance) is corrected."""
_SHORTHAND = re.compile(r"(?<![\w'-])(" + alternation(SHORTHAND) + r")(?![\w'-])")
_RE_EMOJI = re.compile("|".join(re.escape(e) for e in EMOJI))
_CUISINE_PHRASES: Mapping[str, str] = {c.replace("-", " "): c for c in CUISINES} | {c: c for c in CUISINES}


def normalise(message: str) -> str:
    """Lower case, apostrophes, spacing and chat shorthand evened out, key words' misspellings corrected."""
    text = message.lower().replace("’", "'").replace("‘", "'").replace("£", " £").replace("$", " $ ")
    text = re.sub("[\ufe0f\U0001f3fb-\U0001f3ff]", "", text)  # emoji presentation and skin tones
    text = _RE_EMOJI.sub(lambda m: f" {EMOJI[m.group(0)]} ", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = _SHORTHAND.sub(lambda m: SHORTHAND[m.group(1)], text)
    text = re.sub(r"\b([a-z]+)n't\b", lambda m: m.group(0), text)
    return re.sub(r"[a-z]{5,}", lambda m: _corrected(m.group(0)), re.sub(r"\s+", " ", text).strip())


@lru_cache(maxsize=4096)
def _corrected(word: str) -> str:
    if word in KEYWORDS or len(word) < 6:
        return word
    best = process.extractOne(word, KEYWORDS, scorer=fuzz.ratio, score_cutoff=86)
    return str(best[0]) if best is not None else word


def extract_slots(text: str, intent: str, view: ConversationView) -> dict[str, Any]:
    """Every slot the rules can read from `text`; flows take the ones they need."""
    slots: dict[str, Any] = {}
    if intent == "update_preferences":
        slots |= _preference_changes(text)
    else:
        dietary = _found(text, DIETARY_WORDS)
        if dietary:
            slots["dietary"] = dietary
        excluded = excluded_allergens(text)
        if excluded:
            slots["exclude_allergens"] = excluded
    category = _category(text)
    if category:
        slots["category"] = category
    price = max_price(text)
    if price is not None:
        slots["max_price"] = price
    quantity = _quantity(text)
    if quantity is not None:
        slots["quantity"] = quantity
    reference = _reference(text, view, intent)
    if reference is not None:
        slots["item_ref"] = reference
    menu_id = re.search(r"\bm[- ]?(\d{1,3})\b", text)
    if menu_id:
        slots["menu_item_id"] = f"m-{int(menu_id.group(1)):02d}"
    label = re.search(r"\b(" + alternation(ADDRESS_WORDS) + r")\b", text)
    if label:
        slots["address_label"] = ADDRESS_WORDS[label.group(1)]
    elif re.search(r"\b(default|usual|normal|saved) (delivery )?address\b", text):
        slots["address_default"] = True  # "use my default address": the one the profile marks as default
    order_id = re.search(r"\b(ord-[0-9a-f]{6,32})\b", text)
    if order_id:
        slots["order_id"] = order_id.group(1)
    limit = _limit(text)
    if limit is not None:
        slots["limit"] = limit
    when = re.search(
        r"\b(tonight|today|this (morning|afternoon|evening|week|weekend)|tomorrow|yesterday|last (night|week|month|"
        r"time|year)|(\d+|a|two|three) (days|weeks|months) ago)\b",
        text,
    )
    if when:
        slots["when"] = when.group(1)
    reason = re.search(r"\b(?:because|since|as|cause) (.{3,200})$", text) if intent == "cancel_order" else None
    if reason:
        slots["reason"] = reason.group(1).strip(" .!")
    if intent in ("browse_menu", "add_to_cart"):
        words = search_words(text)
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


_ALLERGEN = alternation(ALLERGEN_WORDS)
_EXCLUDING = re.compile(
    r"\b(?:no|without|free of|free from|avoid|avoiding|not|allergic to|allergy to|intolerant to|can't eat|"
    r"cannot eat|can't have|cannot have|don't eat|(?:don't|doesn't|do not|does not) have|nothing with|hold the|"
    r"leave out the|minus|skip the)\s+"
    rf"(?:any\s+|the\s+)?((?:{_ALLERGEN})(?:(?:\s*,\s*|\s+(?:or|and|nor)\s+)(?:{_ALLERGEN}))*)\b"
)
_FREE = re.compile(rf"\b({_ALLERGEN})[- ]free\b")


def excluded_allergens(text: str) -> list[str]:
    """Allergens the message leaves out: "without nuts", "nut-free", "I can't eat gluten or soy"."""
    phrases = [p for m in _EXCLUDING.finditer(text) for p in re.findall(_ALLERGEN, m.group(1))]
    phrases += _FREE.findall(text)
    found: list[str] = []
    for phrase in phrases:
        value = ALLERGEN_WORDS[phrase]
        if value not in found:
            found.append(value)
        if phrase in ("nut", "nuts") and "peanuts" not in found:
            found.append("peanuts")  # "no nuts" means no peanuts either
    return found


def mentions_diet(text: str) -> bool:
    """Whether a dietary tag is named."""
    return bool(_found(text, DIETARY_WORDS))


def _preference_changes(text: str) -> dict[str, Any]:
    """`add_dietary`, `remove_dietary`, `add_allergens`, `remove_allergens`, `add_cuisines`."""
    changes: dict[str, list[str]] = {}
    negative = re.search(
        r"\b(no longer|not|don't|stop|remove|isn't|aren't|any ?more|take off|take away|delete|drop|"
        r"gave up|given up|stopped being|outgrown|grew out|take (\w+ ){1,3}(off|out)|(fine|ok|okay|alright) "
        r"(for me |with me )?now|can (eat|have) (\w+ ){1,3}(again|now))\b",
        text,
    )
    if re.search(r"\b(can't|cannot|can not) (eat|have)\b", text) and not re.search(r"\b(any ?more|no longer)\b", text):
        negative = None  # "I can't eat eggs": a restriction added
    dietary = _found(text, DIETARY_WORDS)
    allergens = (
        _found(text, ALLERGEN_WORDS)
        if re.search(r"allerg|intoleran|can't eat|cannot eat|can't have|don't eat|react to|sensitive to", text)
        else []
    )
    if re.search(r"\b(don't|do not|no longer|never|stopp?ed|stop|not|quit|given up) eat(ing)? meat\b", text):
        dietary, negative = ["vegetarian"], None  # "I don't eat meat": vegetarian
    if dietary:
        changes["remove_dietary" if negative else "add_dietary"] = dietary
    if allergens:
        changes["remove_allergens" if negative else "add_allergens"] = allergens
    cuisines = list(dict.fromkeys(c for p, c in _CUISINE_PHRASES.items() if re.search(rf"\b{re.escape(p)}\b", text)))
    if cuisines:
        changes["remove_cuisines" if negative else "add_cuisines"] = cuisines
    return changes


def _category(text: str) -> str | None:
    for phrase, value in sorted(CATEGORY_WORDS.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b{re.escape(phrase)}\b", text):
            return value
    return None


_CEILING = r"(?:under|below|less than|cheaper than|max(?:imum)?|at most|up to|no more than|not more than|within|<)"
_AMOUNT = r"(?:£|\$|€)?\s*(\d+(?:\.\d{1,2})?)"
_WORD_AMOUNT = alternation(PRICE_WORDS)
_RE_PRICE = re.compile(rf"{_CEILING}\s*(?:a |an )?(?:{_AMOUNT}|({_WORD_AMOUNT})\b)")
_RE_PRICE_AFTER = re.compile(
    rf"{_AMOUNT}\s*(?:pounds?|quid|gbp|dollars?|bucks|euros?)?\s*(?:or less|or under|max|tops|and under)\b"
)


def max_price(text: str) -> float | None:
    """The price ceiling: "under £10", "less than 12 dollars", "under a tenner", "15 quid or less"."""
    match = _RE_PRICE.search(text)
    if match:
        return float(match.group(1)) if match.group(1) else PRICE_WORDS[match.group(2)]
    after = _RE_PRICE_AFTER.search(text)
    return float(after.group(1)) if after else None


_QUANTITY_WORDS = alternation(k for k in NUMBERS if k not in ("a", "an"))
_RE_NOT_A_QUANTITY = re.compile(
    rf"((?:£|\$|€)\s*\d+(\.\d+)?|\b{_CEILING}\s*(?:a |an )?(?:(?:£|\$)?\s*\d+(\.\d+)?|{_WORD_AMOUNT})\b"
    r"|\b\d+(\.\d+)?\s*(pounds?|quid|gbp|dollars?|bucks|euros?|p)\b|\bord-[0-9a-f]+|\bm[- ]?\d{1,3}\b"
    r"|\b(number|no\.?|#|item|dish|line|option)\s*\d{1,2}\b|\b(last|latest|past|recent) \w+ orders?\b"
    r"|\b\w+ (latest|last|recent) orders?\b"
    r"|\b\d+(am|pm|:\d\d)\b|\b\w+ (days|weeks|months|minutes|mins|hours) ago\b)"
)


def _quantity(text: str) -> int | None:
    """The first count in the message ("two of the first one" → 2), ignoring prices, ids and ordinals."""
    text = re.sub(r"\b(" + "|".join(ORDINALS) + r")( one)?\b", " ", text)
    text = _RE_NOT_A_QUANTITY.sub(" ", text)
    times = re.search(r"(?<![\w-])(?:x ?(\d{1,2})|(\d{1,2}) ?x|times (\d{1,2}))(?![\w-])", text)  # "x2", "2x"
    if times:
        count = int(next(g for g in times.groups() if g))
        return count if 0 < count <= 20 else None
    match = re.search(rf"\b(\d{{1,2}}|{_QUANTITY_WORDS})\b", text)
    if match is None:
        match = re.search(r"\b(a couple|couple)\b", text)
        return 2 if match else None
    value = int(match.group(1)) if match.group(1).isdigit() else NUMBERS[match.group(1)]
    return value if 0 < value <= 20 else None


def _limit(text: str) -> int | None:
    """How many past orders: "my last 3 orders", "my 3 latest orders", "the last two orders"."""
    number = r"(\d{1,2}|" + alternation(k for k in NUMBERS if " " not in k and k not in ("a", "an")) + ")"
    match = re.search(rf"\b(?:last|latest|recent|past|previous|most recent)\s+{number}\s+orders?\b", text) or re.search(
        rf"\b{number}\s+(?:last|latest|most recent|recent|past|previous)\s+orders?\b", text
    )
    if match is None:
        return None
    return int(match.group(1)) if match.group(1).isdigit() else NUMBERS[match.group(1)]


_RE_ORDINAL = re.compile(
    r"\b(" + "|".join(ORDINALS) + r")\b(?! (?:\w+ )?(?:orders?|time|week|month|night|year|minute|hour)s?\b)"
    r"(?: one| item| dish| option| thing)?"
)
_ITEM_STOPWORD_TEXT = (
    "a an the one ones it them that this those these please of to in on from my your our basket cart bag "
    "order add remove delete want like get have some more and or with for me i i'd i'll can could would "
    "too there thing things actually just scrap drop take out off put stick also another yes yeah no not "
    "don't do how much is are what whats what's which "
)
_ITEM_STOPWORDS = frozenset(_ITEM_STOPWORD_TEXT.split())


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _words(text: str) -> list[str]:
    return [_stem(w) for w in re.findall(r"[a-z]+", text) if w not in _ITEM_STOPWORDS]


def resolve_item(text: str, names: Sequence[str]) -> str | None:
    """The one item of `names` the message names ("the tofu curry", "samosas", "margarita"), or None.

    Every word of an item's name is compared with the message's words (plurals folded, misspellings
    within a small edit distance accepted); the item with the most words named wins, and a tie
    between items (the pizza, among three pizzas) is no answer.
    """
    words = _words(text)
    if not words or not names:
        return None
    best: list[tuple[int, float, str]] = []
    for name in dict.fromkeys(names):
        tokens = _words(name.lower())
        hits = sum(
            1
            for token in tokens
            if any(token == w or (len(token) >= 4 and len(w) >= 4 and fuzz.ratio(token, w) >= 80) for w in words)
        )
        if hits:
            best.append((hits, hits / len(tokens), name))
    if not best:
        return None
    best.sort(key=lambda t: (-t[0], -t[1]))
    if len(best) > 1 and best[0][:2] == best[1][:2]:
        return None
    return best[0][2]


def _temporal(text: str, match: re.Match[str]) -> bool:
    """ "first" of time, not of a list: "add a drink first", "first of all", "at first"."""
    if match.group(1) != "first" or match.group(0) != "first":
        return False
    before = text[: match.start()].split()
    after = text[match.end() :].strip(" .!?,;")
    if after.startswith("of all") or (before and before[-1] == "at"):
        return True
    return not after and bool(before) and before[-1] not in {"the", "my", "your", "that", "this", "number", "no"}


def _reference(text: str, view: ConversationView, intent: str) -> int | str | None:
    """Which item the user means: a 1-based position (-1 = last), or the name of a shown or cart item."""
    match = _RE_ORDINAL.search(text)
    if match and not _temporal(text, match):
        return ORDINALS[match.group(1)]
    match = re.search(r"(?:number|no\.?|#|item|dish|line|option)\s*(\d{1,2})\b", text)
    if match:
        return int(match.group(1))
    lists = (view.cart_items, view.shown_items) if intent == "remove_from_cart" else (view.shown_items, view.cart_items)
    for names in lists:
        found = resolve_item(text, names)
        if found is not None:
            return found
    return None


_SEARCH_STOPWORD_TEXT = (
    "a an and any are can could dishes do food for get got have i i'd i'll i'm is it items like me menu "
    "my of on options please show some something the to under below less than want what whats what's "
    "with you your see list browse find add order one two three four five take would cheaper no "
    "without free £ max at most up how much does cost costs price prices priced there anything "
    "which ok okay good nice put stick in into basket cart bag too also just thanks need give "
    "let let's could may might fancy tonight now right really quite pounds pound quid dollars bucks euros "
    "tenner fiver allergic can't cannot eat eating eats be sell serve serves make that this those these "
    "'s got does doing any dish course courses kind sort type types else other more another here "
    "bring few couple pair or nor not only anymore still again very so was were been being am we us they "
    "their its if then than but all every each should will shall hang wait hold down as up where when who why whose"
)
_SEARCH_STOPWORDS = frozenset(_SEARCH_STOPWORD_TEXT.split())
_KNOWN_WORDS = frozenset(
    w
    for phrase in (*DIETARY_WORDS, *ALLERGEN_WORDS, *CATEGORY_WORDS, *NUMBERS, *ORDINALS, *PRICE_WORDS)
    for w in phrase.split()
)


def search_words(text: str) -> str | None:
    """Words left after the recognised slots: free-text search ("paneer tikka", "thai")."""
    text = re.sub(r"\bm[- ]?\d{1,3}\b", " ", text)
    words = re.findall(r"[a-z][a-z'-]+", text)
    left = [
        w for w in words if w not in _SEARCH_STOPWORDS and w not in _KNOWN_WORDS and not w.endswith(("-free", "n't"))
    ]
    return " ".join(left[:6]) or None


_SERVICE_WORDS = "refund money bill receipt invoice discount voucher code password payment card taxi"
_MEAL_WORDS = "hungry dinner lunch breakfast supper tea veggie spicy cheap healthy light hot cold sweet please"
_EVERYDAY_TEXT = (
    "restaurant kitchen shop place rider driver courier delivery deliveries update updates news status "
    "everything something nothing anyone someone everyone total subtotal bill stuff lot item items thing "
    "ordered ordering bought eaten ate had got gotten placed paid tried sent left leaving coming going gone "
    "know knew think thought sure happy fine glad mind rather tell told remind read back over again "
    "finish finished done wrap ready proceed continue carry keep stored saved kept listed noted spots "
    "locations places addresses today tomorrow yesterday week weeks month months year years night morning "
    "evening afternoon time times ago soon later yet already still ever never always usually while "
    "minute minutes hour hours day days were was been being after before since until about around "
    "hey hi hello mate did does has have want need like love think running taking getting waiting looking "
    "having doing making trying sending arriving turning showing leave sign late early slow longer "
)
_NOT_DISHES = (
    frozenset(CUISINES)
    | frozenset(_MEAL_WORDS.split())
    | frozenset(_SERVICE_WORDS.split())
    | frozenset(_EVERYDAY_TEXT.split())
    | (KEYWORDS - frozenset(CATEGORY_WORDS) - frozenset(ALLERGEN_WORDS) - {"vegetable", "vegetables"})
)


def item_words(words: str) -> list[str]:
    """The words of a search that could name a dish (cuisines and meal times cannot)."""
    return [w for w in words.split() if w not in _NOT_DISHES and "'" not in w and len(w) > 2]
