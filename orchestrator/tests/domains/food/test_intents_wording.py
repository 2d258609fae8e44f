"""More ways people say what they want in a food chat: the basket asked about, an address said loosely, an
order called off, a change of diet said in passing, and a no with a reason while an order waits for a yes."""

from __future__ import annotations

import pytest

from orchestrator.domains.food.intents import RuleIntentClassifier
from orchestrator.domains.food.state import ConversationView

CART = ConversationView(cart_items=("Chana Masala", "Onion Bhaji"))


@pytest.mark.parametrize(
    ("message", "view", "intent"),
    [
        ("what did I put in the basket again", CART, "view_cart"),
        ("show me my order before I pay", CART, "view_cart"),
        ("can I order what's in my basket", CART, "checkout"),
        ("can it go to my workplace instead", CART, "choose_address"),
        ("call off my delivery, I'm heading out", ConversationView(), "cancel_order"),
        ("get my order stopped", ConversationView(), "cancel_order"),
        ("turns out I'm allergic to sesame", ConversationView(), "update_preferences"),
        ("how many loyalty points now", ConversationView(), "show_profile"),
        ("what's my total number of orders with you", ConversationView(), "order_history"),
        ("any news on ORD-7A7A7A", ConversationView(), "track_order"),
        ("what is this bot for", ConversationView(), "help"),
        ("I don't want the bhaji any more", CART, "remove_from_cart"),
        ("I don't want the lassi after all", CART, "remove_from_cart"),
        ("I don't want my order any more", CART, "cancel_order"),
        ("deliver it home", CART, "choose_address"),
        ("how many points do I have", ConversationView(), "show_profile"),
        ("and a mango lassi please", CART, "add_to_cart"),
        ("a bit spicy", CART, "browse_menu"),
        ("what's my default address", CART, "show_profile"),
        ("use my default address", CART, "choose_address"),
        ("what was my last order", ConversationView(), "order_history"),
        ("ok I'm ready", CART, "checkout"),
        ("no leave my profile alone", ConversationView(pending="update_preferences"), "decline"),
    ],
)
async def test_everyday_wording_is_read_as_the_intent(message: str, view: ConversationView, intent: str) -> None:
    assert (await RuleIntentClassifier().classify(message, view)).name == intent


async def test_a_no_with_a_reason_declines_the_order_waiting_for_a_yes() -> None:
    view = ConversationView(cart_items=("Chana Masala",), pending="place_order")
    assert (await RuleIntentClassifier().classify("no, I need to change something first", view)).name == "decline"


async def test_looks_right_submit_it_confirms_the_order_waiting_for_a_yes() -> None:
    view = ConversationView(cart_items=("Chana Masala",), pending="place_order")
    assert (await RuleIntentClassifier().classify("looks right to me, submit it", view)).name == "confirm"


async def test_sending_it_to_mine_means_home() -> None:
    intent = await RuleIntentClassifier().classify("send it to mine", CART)
    assert intent.name == "choose_address" and intent.slots.get("address_label") == "home"


@pytest.mark.parametrize(
    ("message", "position"),
    [("I want to add a drink first", None), ("first of all, add a lassi", "Mango Lassi"), ("add the first one", 1),
     ("I'll have the first", 1)],
)  # fmt: skip
async def test_first_of_time_is_no_position_in_the_list(message: str, position: int | str | None) -> None:
    view = ConversationView(shown_items=("Margherita Pizza", "Mango Lassi"), cart_items=("Chana Masala",))
    intent = await RuleIntentClassifier().classify(message, view)
    assert intent.slots.get("item_ref") == position
