"""The embedded intent classifier: the documented conversation, slots, and what it must not guess."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.domains.food.intents import RuleIntentClassifier
from orchestrator.domains.food.state import ConversationView

SHOWN = ConversationView(shown_items=("Paneer Tikka Masala", "Mushroom Risotto", "Veggie Burger"))
PENDING = ConversationView(cart_items=("Paneer Tikka Masala",), pending="place_order")


@pytest.mark.parametrize(
    ("message", "view", "intent", "slots"),
    [
        ("show me vegetarian mains under 15", ConversationView(), "browse_menu",
         {"dietary": ["vegetarian"], "category": "mains", "max_price": 15.0}),
        ("add two of the first one", SHOWN, "add_to_cart", {"quantity": 2, "item_ref": 1}),
        ("deliver to my work address", SHOWN, "choose_address", {"address_label": "work"}),
        ("checkout", SHOWN, "checkout", {}),
        ("yes", PENDING, "confirm", {}),
        ("where is my order?", ConversationView(), "track_order", {}),
        ("what would you recommend for tonight?", ConversationView(), "recommend",
         {"context": "what would you recommend for tonight?"}),
        ("Show me VEGAN pizzas below £12.50", ConversationView(), "browse_menu",
         {"dietary": ["vegan"], "category": "pizza", "max_price": 12.5}),
        ("any desserts without nuts?", ConversationView(), "browse_menu",
         {"category": "desserts", "exclude_allergens": ["tree-nuts", "peanuts"]}),
        ("add the last one", SHOWN, "add_to_cart", {"item_ref": -1}),
        ("I'll take 3 of the second", SHOWN, "add_to_cart", {"quantity": 3, "item_ref": 2}),
        ("add the mushroom risotto", SHOWN, "add_to_cart", {"item_ref": "Mushroom Risotto"}),
        ("no thanks", PENDING, "decline", {}),
        ("track ord-0a1b2c3d4e5f", ConversationView(), "track_order", {"order_id": "ord-0a1b2c3d4e5f"}),
        ("cancel my order because it's too late", ConversationView(), "cancel_order",
         {"reason": "it's too late"}),
        ("show my last 3 orders", ConversationView(), "order_history", {"limit": 3}),
        ("I'm allergic to sesame", ConversationView(), "update_preferences", {"add_allergens": ["sesame"]}),
        ("I'm no longer vegetarian", ConversationView(), "update_preferences", {"remove_dietary": ["vegetarian"]}),
        ("what's in my cart?", PENDING, "view_cart", {}),
        ("empty my cart", PENDING, "remove_from_cart", {}),
        ("show my profile", ConversationView(), "show_profile", {}),
    ],
)  # fmt: skip
async def test_messages_map_to_intents_and_slots(
    message: str, view: ConversationView, intent: str, slots: dict[str, Any]
) -> None:
    result = await RuleIntentClassifier().classify(message, view)
    assert result.name == intent
    for name, value in slots.items():
        assert result.slots.get(name) == value, name


@pytest.mark.parametrize("message", ["blorp zzz", "the weather in Paris", "asdf"])
async def test_what_is_not_understood_is_help_with_low_confidence(message: str) -> None:
    result = await RuleIntentClassifier().classify(message, ConversationView())
    assert result.name == "help" and result.confidence < 0.5


async def test_a_yes_with_nothing_pending_is_still_a_confirmation_but_less_certain() -> None:
    with_pending = await RuleIntentClassifier().classify("yes please", PENDING)
    without = await RuleIntentClassifier().classify("yes please", ConversationView())
    assert with_pending.name == without.name == "confirm"
    assert without.confidence < with_pending.confidence


async def test_a_price_is_not_read_as_a_quantity() -> None:
    result = await RuleIntentClassifier().classify("show me mains under 15", ConversationView())
    assert "quantity" not in result.slots and result.slots["max_price"] == 15.0


async def test_a_long_message_is_capped_as_recommendation_context() -> None:
    result = await RuleIntentClassifier().classify("recommend " + "spicy " * 100, ConversationView())
    assert len(result.slots["context"]) <= 200
