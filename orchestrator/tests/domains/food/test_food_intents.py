"""The embedded intent classifier: the documented conversation, slots, and what it must not guess."""

from __future__ import annotations

import time
from typing import Any

import pytest

from orchestrator.domains.food.intents import READINGS, RuleIntentClassifier, resolve_choice
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


NOTHING = ConversationView()
BASKET = ConversationView(cart_items=("Vegetable Samosas", "Chana Masala"))
PIZZAS = ConversationView(shown_items=("Margherita Pizza", "Pepperoni Pizza", "Vegan Garden Pizza"))
CANCELLING = ConversationView(pending="cancel_order")
PROFILE_CHANGE = ConversationView(pending="update_preferences")


@pytest.mark.parametrize(
    ("message", "view", "intent", "slots"),
    [
        ("how much is the paneer tikka?", NOTHING, "browse_menu", {"text": "paneer tikka"}),
        ("I want pizza", NOTHING, "browse_menu", {"category": "pizza"}),
        ("nah forget it", PENDING, "decline", {}),
        ("nah forget it", NOTHING, "decline", {}),
        ("pay", PENDING, "checkout", {}),
        ("remove the samosas from my basket", BASKET, "remove_from_cart", {"item_ref": "Vegetable Samosas"}),
        ("get rid of the samossas", BASKET, "remove_from_cart", {"item_ref": "Vegetable Samosas"}),
        ("yep go for it", PENDING, "confirm", {}),
        ("not yet", PENDING, "decline", {}),
        ("don't cancel it", CANCELLING, "decline", {}),
        ("don't cancel my order", NOTHING, "decline", {}),
        ("yes", PROFILE_CHANGE, "confirm", {}),
        ("no", PROFILE_CHANGE, "decline", {}),
        ("cancel", PENDING, "decline", {}),
        ("I'm allergic to nuts, what can I eat?", NOTHING, "browse_menu",
         {"exclude_allergens": ["tree-nuts", "peanuts"]}),
        ("am I registered as allergic to peanuts?", NOTHING, "show_profile", {}),
        ("what are my dietary preferences?", NOTHING, "show_profile", {}),
        ("do you have me down as vegan?", NOTHING, "show_profile", {}),
        ("remember that I can't eat eggs", NOTHING, "update_preferences", {"add_allergens": ["eggs"]}),
        ("add sesame to my allergies", NOTHING, "update_preferences", {"add_allergens": ["sesame"]}),
        ("I don't eat meat", NOTHING, "update_preferences", {"add_dietary": ["vegetarian"]}),
        ("the pepperoni one", PIZZAS, "add_to_cart", {"item_ref": "Pepperoni Pizza"}),
        ("add the margarita", PIZZAS, "add_to_cart", {"item_ref": "Margherita Pizza"}),
        ("number 2 please", PIZZAS, "add_to_cart", {"item_ref": 2}),
        ("add a couple of garlic naans", NOTHING, "add_to_cart", {"quantity": 2, "text": "garlic naans"}),
        ("add m-33", NOTHING, "add_to_cart", {"menu_item_id": "m-33"}),
        ("show me pizzas under a tenner", NOTHING, "browse_menu", {"category": "pizza", "max_price": 10.0}),
        ("mains less than 12 dollars", NOTHING, "browse_menu", {"category": "mains", "max_price": 12.0}),
        ("I can't have sesame or soy, any desserts?", NOTHING, "browse_menu",
         {"exclude_allergens": ["sesame", "soy"], "category": "desserts"}),
        ("got any thai dishes?", NOTHING, "browse_menu", {"text": "thai"}),
        ("whats in the bag rn", BASKET, "view_cart", {}),
        ("where is ord-3f9a1c", NOTHING, "track_order", {"order_id": "ord-3f9a1c"}),
        ("show me my 3 latest orders", NOTHING, "order_history", {"limit": 3}),
        ("what did I order last month", NOTHING, "order_history", {"when": "last month"}),
        ("send it to the office", BASKET, "choose_address", {"address_label": "work"}),
        ("dunno what to eat", NOTHING, "recommend", {}),
        ("reccomend me something", NOTHING, "recommend", {}),
    ],
)  # fmt: skip
async def test_how_people_actually_talk(
    message: str, view: ConversationView, intent: str, slots: dict[str, Any]
) -> None:
    result = await RuleIntentClassifier().classify(message, view)
    assert result.name == intent, (message, result)
    for name, value in slots.items():
        assert result.slots.get(name) == value, name


@pytest.mark.parametrize(
    "message",
    ["I'm allergic to nuts, what can I eat?", "am I registered as allergic to peanuts?", "I'm vegan, any pizzas?",
     "what are my allergies?", "can I eat the tiramisu if I'm allergic to eggs?", "don't cancel my order",
     "please don't update my allergies"],
)  # fmt: skip
async def test_a_write_is_never_read_out_of_a_question_or_a_negation(message: str) -> None:
    for view in (NOTHING, PENDING):
        result = await RuleIntentClassifier().classify(message, view)
        assert result.name not in ("update_preferences", "cancel_order", "confirm"), (message, result)


async def test_a_yes_naming_another_action_is_not_a_confirmation_of_the_pending_one() -> None:
    result = await RuleIntentClassifier().classify("yes cancel it", PENDING)
    assert result.name != "confirm"
    result = await RuleIntentClassifier().classify("yes please cancel it", CANCELLING)
    assert result.name == "confirm"


async def test_an_unclear_message_offers_two_or_three_readings_with_its_slots() -> None:
    result = await RuleIntentClassifier().classify("asdfgh", NOTHING)
    assert result.name == "help" and result.confidence < 0.5
    assert 2 <= len(result.slots["options"]) <= 3 and set(result.slots["options"]) <= set(READINGS)


@pytest.mark.parametrize(
    ("reply", "chosen"),
    [("1", "browse_menu"), ("the second one", "recommend"), ("3", "track_order"), ("the menu", "browse_menu"),
     ("get a recommendation", "recommend"), ("where's my order?", "track_order"), ("4", None), ("blorp", None)],
)  # fmt: skip
def test_the_reply_to_a_clarifying_question_picks_a_reading(reply: str, chosen: str | None) -> None:
    assert resolve_choice(reply, ["browse_menu", "recommend", "track_order"]) == chosen


async def test_the_reader_is_fast() -> None:
    classifier = RuleIntentClassifier()
    started = time.perf_counter()
    for _ in range(20):
        await classifier.classify("any veggie mains under 12 quid, without nuts?", PIZZAS)
        await classifier.classify("remove the samosas from my basket", BASKET)
    assert (time.perf_counter() - started) / 40 < 0.01
