"""The reader beyond the phrasing it was tuned on: general cues, who a message is about, the conversation's
state (basket, items shown, pending confirmation), everyday vocabulary, and the safety rules kept."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.domains.food.intents import RuleIntentClassifier
from orchestrator.domains.food.state import ConversationView as View

SHOWN = View(shown_items=("Margherita Pizza", "Hawaiian Pizza", "Garlic Dough Balls"))
BASKET = View(cart_items=("Lamb Kofta", "Hummus", "Lemonade"))
BOTH = View(shown_items=SHOWN.shown_items, cart_items=BASKET.cart_items)
ORDER_PENDING = View(cart_items=BASKET.cart_items, pending="place_order")


@pytest.mark.parametrize(
    ("message", "view", "intent"),
    [
        # tracking: news of the order, the rider, the kitchen
        ("any sign of my dinner?", View(), "track_order"),
        ("update me on my order", View(), "track_order"),
        ("is the delivery running late", View(), "track_order"),
        ("has the driver picked it up yet", View(), "track_order"),
        ("did my order leave yet", View(), "track_order"),
        ("how long till the food comes", View(), "track_order"),
        # history: what I have ordered, over a period
        ("what have I spent this month", View(), "order_history"),
        ("show me everything I bought last month", View(), "order_history"),
        # recommendation: the assistant's own choice
        ("what would you pick for me", View(), "recommend"),
        ("what do you think I should get", View(), "recommend"),
        ("what did you have in mind for me", View(), "recommend"),
        # the basket: a basket item unwanted, the total, a recap
        ("actually no lemonade", BASKET, "remove_from_cart"),
        ("I don't fancy the hummus anymore", BASKET, "remove_from_cart"),
        ("on second thoughts, lose the lemonade", BASKET, "remove_from_cart"),
        ("what does the bill come to", BASKET, "view_cart"),
        ("run through my basket", BASKET, "view_cart"),
        ("chuck in a lemonade too", BASKET, "add_to_cart"),
        # checking out: payment, finishing up, ordering what is in the basket
        ("go to payment", BASKET, "checkout"),
        ("I'm done, wrap it up", BASKET, "checkout"),
        ("buy it all", BASKET, "checkout"),
        ("order it", BOTH, "checkout"),
        ("order it", SHOWN, "add_to_cart"),  # nothing to check out: "it" is the item shown
        # an address named on its own
        ("the office please", BASKET, "choose_address"),
        ("home", BASKET, "choose_address"),
        # the profile: who the question is about
        ("is my home address saved?", View(), "show_profile"),
        ("do you remember I'm vegan?", View(), "show_profile"),
        ("which addresses have you saved for me", View(), "show_profile"),
        ("do you know any vegan dishes?", View(), "browse_menu"),
        ("are the dough balls vegan?", SHOWN, "browse_menu"),
        ("what's in the hawaiian pizza?", SHOWN, "browse_menu"),
        # cancelling before it goes out
        ("halt ord-abc123 before it goes out", View(), "cancel_order"),
        ("i no longer eat gluten free", View(), "update_preferences"),
    ],
)  # fmt: skip
async def test_general_cues_and_state(message: str, view: View, intent: str) -> None:
    assert (await RuleIntentClassifier().classify(message, view)).name == intent


@pytest.mark.parametrize(
    ("message", "view", "intent"),
    [
        ("👍", ORDER_PENDING, "confirm"),
        ("👍🏽", ORDER_PENDING, "confirm"),
        ("👎", ORDER_PENDING, "decline"),
        ("not just now", ORDER_PENDING, "decline"),
        ("hang on, not quite yet", ORDER_PENDING, "decline"),
        ("I'd rather not", ORDER_PENDING, "decline"),
        ("I'd rather keep it", View(pending="cancel_order"), "decline"),
        ("no, leave my profile as it is", View(pending="update_preferences"), "decline"),
        ("no thanks, keep my order", View(pending="cancel_order"), "decline"),
    ],
)  # fmt: skip
async def test_answers_to_a_pending_question(message: str, view: View, intent: str) -> None:
    assert (await RuleIntentClassifier().classify(message, view)).name == intent


@pytest.mark.parametrize(
    ("message", "view", "slots"),
    [
        ("the second option x3", SHOWN, {"item_ref": 2, "quantity": 3}),
        ("2x the margherita", SHOWN, {"item_ref": "Margherita Pizza", "quantity": 2}),
        ("remove item 2", BASKET, {"item_ref": 2}),
        ("eggs are fine for me now, take them off my allergies", View(), {"remove_allergens": ["eggs"]}),
        ("I can eat sesame again, remove it from my allergies", View(), {"remove_allergens": ["sesame"]}),
    ],
)  # fmt: skip
async def test_slots_of_everyday_wording(message: str, view: View, slots: dict[str, Any]) -> None:
    result = await RuleIntentClassifier().classify(message, view)
    for name, value in slots.items():
        assert result.slots.get(name) == value, name


@pytest.mark.parametrize(
    ("message", "view", "not_intent"),
    [
        ("is my work address on file?", BASKET, "choose_address"),  # asked, not chosen
        ("do you know I'm allergic to fish?", View(), "update_preferences"),  # asked, not stated
        ("don't order it", ORDER_PENDING, "confirm"),
        ("✅ but don't place it", ORDER_PENDING, "confirm"),
        ("no lemonade in my basket, is there?", BASKET, "remove_from_cart"),  # a question is not a removal
    ],
)  # fmt: skip
async def test_questions_and_negations_stay_safe(message: str, view: View, not_intent: str) -> None:
    assert (await RuleIntentClassifier().classify(message, view)).name != not_intent
