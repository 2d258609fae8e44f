"""LLMIntentClassifier: a model reads the message; code decides which part of its answer is used.

The model sees the message and the conversation view (item names come from a service, so they are
data too) only inside a per-request fence, and answers `{"intent", "confidence", "slots"}`
(`IntentAnswer`). The answer is untrusted and is checked here before any flow sees it:

- the intent must be one of `INTENTS`; otherwise the fallback classifier (the rules) decides the
  turn, with source `rules (fallback: UNKNOWN_INTENT)`;
- a slot must be one the chosen intent takes (`INTENT_SLOTS`) and pass its `SlotSpec`: type,
  allowed values (`DIETARY`, `ALLERGENS`, `CATEGORIES`, `CUISINES`, home|work), ranges (quantity and
  limit 1..20, max_price above 0 and at most 1000), `item_ref` a position within the list it refers
  to (items shown; the cart for `remove_from_cart`) or -1, or the name of an item of that list,
  `order_id` matching `ord-<6..32 hex>`, free text at most 200 characters. A slot that fails is
  dropped and logged at debug by name only, never by value; the valid ones are kept.

Safety rules:

1. `confirm` runs the pending action: it places an order or cancels one. The model's `confirm` is
   accepted only when the fallback (rules) classifier also reads `confirm` in the same message;
   otherwise the rules' intent is used (source `rules (fallback: CONFIRM_NOT_RULED)`). Text in
   the message cannot talk the model into executing anything.
2. `cancel_order` and `checkout` only propose. Their flows read the order (or quote the cart),
   store a `PendingAction` with a summary and ask the user; `order.cancel_order` and
   `order.create_order` run only in the `confirm` flow, which rule 1 guards.
3. `update_preferences` only proposes a change to the caller's own profile (summarised, kept as a
   `PendingAction`, written by `confirm` after a yes, which rule 1 guards); its slots hold only
   known dietary tags, allergens and cuisines. Taking an allergy off the profile, which turns off
   the menu's allergy warnings for it, is kept only for the allergens the rules also read as
   removed (`remove_allergens`) in the same message.
4. Any `ServiceError` from the model (unreachable, rate-limited, open circuit, output still
   unusable after one repair) gives the fallback's intent, source `rules (fallback: <ERROR_CODE>)`.

Slot merging: when the model and the rules agree on the intent, the slots the rules read with exact
patterns (`MERGED_FROM_RULES`: filters, quantity, item reference, address label, order id, limit)
fill in those the model left out or that failed validation; where both have a valid value, the
model's is used. Free text (`text`, `reason`, `context`) and preference changes are readings of the
whole message and are not merged: the model's reading replaces the rules'.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mcp_common.errors import ServiceError
from mcp_common.food import CUISINES
from orchestrator.conversation.flows import Intent
from orchestrator.domains.food.intents import INTENTS, IntentClassifier
from orchestrator.domains.food.state import ConversationView
from orchestrator.domains.food.vocabulary import ALLERGEN_WORDS as ALLERGENS
from orchestrator.domains.food.vocabulary import CATEGORY_WORDS as CATEGORIES
from orchestrator.domains.food.vocabulary import DIETARY_WORDS as DIETARY
from orchestrator.llm.base import LLM
from orchestrator.llm.prompts import PromptSet
from orchestrator.llm.structured import defuse, generate_model, new_fence

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 200
MAX_VIEW_ITEMS = 20
MAX_ITEM_NAME_CHARS = 120
_ORDER_ID = re.compile(r"ord-[0-9a-f]{6,32}")


class IntentAnswer(BaseModel):
    """What the model must answer; anything else is sent to the repair prompt once."""

    model_config = ConfigDict(extra="forbid")

    intent: str
    confidence: float = Field(ge=0.0, le=1.0)
    slots: dict[str, Any] = Field(default_factory=dict)


Check = Callable[[Any, ConversationView], Any]


@dataclass(frozen=True)
class SlotSpec:
    """One slot: how the prompt describes its value, and the check its value must pass.

    `check` returns the value to use (normalised), or None when the value is not acceptable.
    """

    type: str
    check: Check


# ---------------------------------------------------------------- checks


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) else None


def _in_range(low: int, high: int) -> Check:
    def check(value: Any, view: ConversationView) -> int | None:
        number = _integer(value)
        return number if number is not None and low <= number <= high else None

    return check


def _price(value: Any, view: ConversationView) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    price = float(value)
    return round(price, 2) if math.isfinite(price) and 0 < price <= 1000 else None


def _lookup(values: Mapping[str, str]) -> dict[str, str]:
    """Canonical values and their synonyms, all mapping to the canonical value."""
    return {value: value for value in values.values()} | dict(values)


def _one_of(values: Mapping[str, str]) -> Check:
    table = _lookup(values)

    def check(value: Any, view: ConversationView) -> str | None:
        return table.get(" ".join(value.lower().split())) if isinstance(value, str) else None

    return check


def _some_of(values: Mapping[str, str]) -> Check:
    """A list of allowed values (a single string counts as a list of one); unknown ones are left out."""
    one = _one_of(values)

    def check(value: Any, view: ConversationView) -> list[str] | None:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            return None
        found: list[str] = []
        for item in items[:20]:
            canonical = one(item, view)
            if canonical is not None and canonical not in found:
                found.append(canonical)
        return found or None

    return check


def _text(value: Any, view: ConversationView) -> str | None:
    if not isinstance(value, str):
        return None
    text = "".join(ch for ch in " ".join(value.split()) if ch.isprintable())
    return text[:MAX_TEXT_CHARS].strip() or None


def _order_id(value: Any, view: ConversationView) -> str | None:
    if not isinstance(value, str):
        return None
    order_id = value.strip().lower()
    return order_id if _ORDER_ID.fullmatch(order_id) else None


def _item_ref(names_of: Callable[[ConversationView], tuple[str, ...]]) -> Check:
    """A 1-based position in the list (-1 = the last item), or the name of an item in it."""

    def check(value: Any, view: ConversationView) -> int | str | None:
        names = names_of(view)
        position = _integer(value)
        if position is not None:
            return position if names and (position == -1 or 1 <= position <= len(names)) else None
        if isinstance(value, str):
            wanted = " ".join(value.split()).casefold()
            return next((name for name in names if " ".join(name.split()).casefold() == wanted), None)
        return None

    return check


def _values(table: Mapping[str, str]) -> str:
    return ", ".join(sorted(set(table.values())))


# ---------------------------------------------------------------- slots per intent

_CUISINES: dict[str, str] = {cuisine: cuisine for cuisine in CUISINES}
_DIETARY = SlotSpec(f"list of: {_values(DIETARY)}", _some_of(DIETARY))
_ALLERGEN_LIST = SlotSpec(f"list of: {_values(ALLERGENS)}", _some_of(ALLERGENS))
_CUISINE_LIST = SlotSpec(f"list of: {_values(_CUISINES)}", _some_of(_CUISINES))
_QUANTITY = SlotSpec("integer 1-20, how many", _in_range(1, 20))
_MAX_CHARS = f"string, at most {MAX_TEXT_CHARS} characters"

INTENT_DESCRIPTIONS: dict[str, str] = {
    "browse_menu": "wants to see dishes on the menu, possibly filtered",
    "recommend": "asks what to eat or for suggestions",
    "add_to_cart": "wants to add a dish to the cart",
    "remove_from_cart": "wants to take a dish out of the cart, or to empty the cart",
    "view_cart": "wants to see what is in the cart",
    "choose_address": "chooses where the order is delivered",
    "checkout": "is done choosing and wants the order summary (this does not place the order)",
    "confirm": "a plain yes to the action awaiting confirmation, and nothing else",
    "decline": "a plain no to the action awaiting confirmation, and nothing else",
    "track_order": "asks where an order is or when it arrives",
    "order_history": "wants to see past orders",
    "cancel_order": "wants to cancel an order (the user is asked to confirm before anything happens)",
    "update_preferences": "tells a change to their diet, allergies or favourite cuisines",
    "show_profile": "wants to see their profile: addresses, preferences, allergies, loyalty points",
    "help": "a greeting, asks what the assistant can do, or anything that fits no other intent",
}

INTENT_SLOTS: dict[str, dict[str, SlotSpec]] = {
    "browse_menu": {
        "text": SlotSpec(f"words naming a dish or ingredient to search for ({_MAX_CHARS})", _text),
        "category": SlotSpec(f"one of: {_values(CATEGORIES)}", _one_of(CATEGORIES)),
        "dietary": _DIETARY,
        "exclude_allergens": _ALLERGEN_LIST,
        "max_price": SlotSpec("number, the highest price in pounds (above 0, at most 1000)", _price),
    },
    "recommend": {
        "context": SlotSpec(f"what the user is in the mood for, in their words ({_MAX_CHARS})", _text),
    },
    "add_to_cart": {
        "item_ref": SlotSpec(
            "integer position in the items last shown (1 = first, -1 = last), or the exact name of a shown item",
            _item_ref(lambda view: view.shown_items),
        ),
        "quantity": _QUANTITY,
        "text": SlotSpec(f"the dish's name when it is not among the items shown ({_MAX_CHARS})", _text),
    },
    "remove_from_cart": {
        "item_ref": SlotSpec(
            "integer position in the cart (1 = first, -1 = last), or the exact name of an item in the cart",
            _item_ref(lambda view: view.cart_items),
        ),
    },
    "view_cart": {},
    "choose_address": {
        "address_label": SlotSpec("one of: home, work", _one_of({"home": "home", "work": "work", "office": "work"})),
    },
    "checkout": {},
    "confirm": {},
    "decline": {},
    "track_order": {
        "order_id": SlotSpec('the order id as written, "ord-" followed by 6 to 32 hex digits', _order_id),
    },
    "order_history": {
        "limit": SlotSpec("integer 1-20, how many orders", _in_range(1, 20)),
    },
    "cancel_order": {
        "order_id": SlotSpec('the order id as written, "ord-" followed by 6 to 32 hex digits', _order_id),
        "reason": SlotSpec(f"why the user cancels, in their words ({_MAX_CHARS})", _text),
    },
    "update_preferences": {
        "add_dietary": _DIETARY,
        "remove_dietary": _DIETARY,
        "add_allergens": _ALLERGEN_LIST,
        "remove_allergens": _ALLERGEN_LIST,
        "add_cuisines": _CUISINE_LIST,
        "remove_cuisines": _CUISINE_LIST,
    },
    "show_profile": {},
    "help": {},
}

# Slots the rules read with exact patterns; they fill gaps in the model's answer for the same intent.
MERGED_FROM_RULES = frozenset(
    {
        "dietary",
        "exclude_allergens",
        "category",
        "max_price",
        "quantity",
        "item_ref",
        "address_label",
        "order_id",
        "limit",
    }
)


def intent_catalogue() -> list[dict[str, Any]]:
    """The `intents` variable of the intent prompt: every intent, what it means, its slots."""
    return [
        {
            "name": name,
            "description": INTENT_DESCRIPTIONS[name],
            "slots": [{"name": slot, "type": spec.type} for slot, spec in INTENT_SLOTS[name].items()],
        }
        for name in INTENTS
    ]


def prompt_variables(message: str, view: ConversationView, fence: str) -> dict[str, Any]:
    """Everything the intent prompt takes; the message and every item name made safe for the fence."""

    def item(name: str) -> str:
        return defuse(" ".join(name.split())[:MAX_ITEM_NAME_CHARS], fence)

    return {
        "fence": fence,
        "message": defuse(message, fence),
        "intents": intent_catalogue(),
        "view": {
            "shown_items": [item(name) for name in view.shown_items[:MAX_VIEW_ITEMS]],
            "cart_items": [item(name) for name in view.cart_items[:MAX_VIEW_ITEMS]],
            "pending": defuse(view.pending, fence) if view.pending else None,
        },
    }


def validate_slots(intent: str, slots: Mapping[str, Any], view: ConversationView) -> dict[str, Any]:
    """The slots `intent` takes whose values pass their check, normalised; the rest are dropped."""
    specs = INTENT_SLOTS.get(intent, {})
    valid: dict[str, Any] = {}
    for name, value in slots.items():
        spec = specs.get(name)
        if spec is None:
            logger.debug("intent slot dropped: %r is not a slot of %s", name[:40], intent)
            continue
        checked = spec.check(value, view)
        if checked is None:
            logger.debug("intent slot dropped: %s has an invalid value", name)
            continue
        valid[name] = checked
    return valid


class LLMIntentClassifier:
    """Asks the model for the intent and slots, validates them, and falls back to the rules."""

    name = "llm"

    def __init__(
        self, llm: LLM, prompts: PromptSet, *, fallback: IntentClassifier, max_output_tokens: int = 512
    ) -> None:
        self.llm = llm
        self.prompts = prompts
        self.fallback = fallback
        self.max_output_tokens = max_output_tokens

    async def classify(self, message: str, view: ConversationView) -> Intent:
        ruled = await self.fallback.classify(message, view)
        try:
            answer = await generate_model(
                self.llm,
                self.prompts,
                "intent",
                prompt_variables(message, view, new_fence()),
                IntentAnswer,
                max_output_tokens=self.max_output_tokens,
            )
        except ServiceError as exc:
            logger.info("intent model not used (%s): the rules decide", exc.code.value)
            return _fallback(ruled, exc.code.value)
        return decide(answer, ruled, view)


def decide(answer: IntentAnswer, ruled: Intent, view: ConversationView) -> Intent:
    """The intent to act on, from the model's answer and the rules' reading of the same message."""
    if answer.intent not in INTENTS:
        logger.debug("intent model named an unknown intent")
        return _fallback(ruled, "UNKNOWN_INTENT")
    if answer.intent == "confirm" and ruled.name != "confirm":
        logger.info("intent model said confirm, the rules did not: the rules decide")
        return _fallback(ruled, "CONFIRM_NOT_RULED")
    name = answer.intent
    slots = validate_slots(name, answer.slots, view)
    if ruled.name == name:
        gaps = {k: v for k, v in ruled.slots.items() if k in MERGED_FROM_RULES and k not in slots}
        slots |= validate_slots(name, gaps, view)
    if "remove_allergens" in slots:
        also_ruled = ruled.slots.get("remove_allergens") or []
        kept = [allergen for allergen in slots["remove_allergens"] if allergen in also_ruled]
        if kept:
            slots["remove_allergens"] = kept
        else:
            logger.debug("intent slot dropped: remove_allergens is not read by the rules")
            del slots["remove_allergens"]
    return Intent(name, answer.confidence, slots, source="llm")


def _fallback(ruled: Intent, reason: str) -> Intent:
    return replace(ruled, source=f"{ruled.source} (fallback: {reason})")
