"""Ordering in the food conversation, through `Engine.handle` over the real food services in-process:
checkout proposes, only a yes places (once), tracking, history, declining and cancelling."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from food_world import Chat, Food, food_stack

from orchestrator.domains.food.orders import idempotency_key

ADA = "ada@example.com"
GRACE = "grace@example.com"
BROWSE = "show me vegetarian mains under 15"


@pytest.fixture
async def food(tmp_path: Path) -> AsyncIterator[Food]:
    async with food_stack(tmp_path) as stack:
        yield stack


async def filled(food: Food, email: str = ADA) -> tuple[Chat, dict[str, Any]]:
    """A conversation with two of the first vegetarian main in the cart, to the work address."""
    chat = food.chat(email)
    shown = await chat.say(BROWSE)
    assert shown.data is not None
    await chat.say("add two of the first one")
    await chat.say("deliver to my work address")
    food.take()
    first: dict[str, Any] = shown.data["items"][0]
    return chat, first


async def placed(food: Food, email: str = ADA) -> tuple[Chat, dict[str, Any]]:
    chat, _ = await filled(food, email)
    await chat.say("checkout")
    answer = await chat.say("yes")
    assert answer.data is not None and answer.data["status"] == "placed", answer.answer
    food.take()
    return chat, answer.data


async def test_checkout_proposes_the_order_and_places_nothing(food: Food) -> None:
    chat, first = await filled(food)
    summary = await chat.say("checkout")
    assert summary.intent == "checkout" and summary.data is not None
    quote = summary.data
    assert quote["total_cents"] == 2 * first["price_cents"] + quote["delivery_fee_cents"]
    assert summary.answer.startswith(f"Your order: 2 × {first['name']} (£{2 * first['price_cents'] / 100:.2f}); "
                                     "delivery to work address 40 Babbage Road, London; total ")  # fmt: skip
    assert summary.answer.endswith('Shall I place it? Reply "yes" to confirm or "no" to keep editing.')
    assert [(s.tool, s.cached) for s in summary.sources] == [("get_profile", True), ("quote_order", False)]
    assert food.take() == [  # the profile was read for the address a turn ago, and is cached
        ("order.quote_order", {"items": [{"item_id": first["item_id"], "quantity": 2}],
                               "address_id": "addr-ada-work", "email": ADA}, ADA),
    ]  # fmt: skip
    assert await food.order_count() == 0


async def test_checkout_without_a_chosen_address_uses_the_default_one(food: Food) -> None:
    chat = food.chat()
    await chat.say(BROWSE)
    await chat.say("add the first one")
    food.take()
    summary = await chat.say("checkout")
    assert summary.data is not None and summary.data["delivery_address"]["address_id"] == "addr-ada-home"
    quote = food.take()[-1]
    assert quote[0] == "order.quote_order" and quote[1]["address_id"] == "addr-ada-home"


async def test_yes_places_the_order_once_and_a_repeated_yes_answers_the_same_order(food: Food) -> None:
    chat, first = await filled(food)
    quote = (await chat.say("checkout")).data
    assert quote is not None
    food.take()
    answer = await chat.say("yes")
    order = answer.data
    assert answer.intent == "confirm" and order is not None and order["status"] == "placed"
    assert order["total_cents"] == quote["total_cents"] and order["delivery_address"]["address_id"] == "addr-ada-work"
    assert answer.answer.startswith(f"Order {order['order_id']} placed: 2 × {first['name']}, total ")
    [(tool, arguments, caller)] = food.take()
    assert tool == "order.create_order" and caller == ADA
    assert arguments["items"] == [{"item_id": first["item_id"], "quantity": 2}]
    assert arguments["address_id"] == "addr-ada-work" and arguments["email"] == ADA
    assert arguments["idempotency_key"].startswith("chat-")
    assert await food.order_count() == 1

    again = await chat.say("yes")
    assert again.intent == "confirm" and again.data == {"result_id": order["order_id"]}
    assert again.answer == f"Your order {order['order_id']} is already placed — I have not placed it twice."
    assert food.take() == [] and await food.order_count() == 1
    cart = await chat.say("what's in my cart?")
    assert cart.data is not None and cart.data["lines"] == []


async def test_two_yeses_at_once_place_one_order(food: Food) -> None:
    chat, _ = await filled(food)
    await chat.say("checkout")
    food.take()
    first, second = await asyncio.gather(
        food.chat(ADA, chat.session_id).say("yes"), food.chat(ADA, chat.session_id).say("yes")
    )
    ids = {(answer.data or {}).get("order_id") or (answer.data or {}).get("result_id") for answer in (first, second)}
    assert len(ids) == 1 and None not in ids
    keys = {arguments["idempotency_key"] for tool, arguments, _ in food.take() if tool == "order.create_order"}
    assert len(keys) == 1
    assert await food.order_count() == 1


async def test_changing_the_cart_after_the_summary_drops_it(food: Food) -> None:
    chat, _ = await filled(food)
    await chat.say("checkout")
    await chat.say("add the second one")
    answer = await chat.say("yes")
    assert answer.answer.startswith("There is nothing waiting for your confirmation")
    assert await food.order_count() == 0


async def test_no_keeps_the_cart_and_places_nothing(food: Food) -> None:
    chat, first = await filled(food)
    await chat.say("checkout")
    food.take()
    declined = await chat.say("no")
    assert declined.intent == "decline"
    assert declined.answer == f"OK, I have not placed the order. Your cart still has 2 × {first['name']}."
    late = await chat.say("yes")
    assert late.intent == "confirm" and late.answer.startswith("There is nothing waiting")
    assert food.take() == [] and await food.order_count() == 0


async def test_where_is_my_order_tracks_the_order_just_placed(food: Food) -> None:
    chat, order = await placed(food)
    tracking = await chat.say("where is my order?")
    assert tracking.intent == "track_order" and tracking.data is not None
    assert tracking.data["order_id"] == order["order_id"] and tracking.data["status"] == "placed"
    assert [step["status"] for step in tracking.data["timeline"]][:2] == ["placed", "confirmed"]
    assert tracking.answer.startswith(f"Order {order['order_id']} is placed.") and "Timeline: placed" in tracking.answer
    assert food.take() == [("tracking.track_order", {"order_id": order["order_id"]}, ADA)]


async def test_a_new_conversation_tracks_the_latest_order(food: Food) -> None:
    _, order = await placed(food)
    tracking = await food.chat().say("where is my order?")
    assert tracking.data is not None and tracking.data["order_id"] == order["order_id"]
    assert food.take() == [
        ("order.list_orders", {"limit": 1, "email": ADA}, ADA),
        ("tracking.track_order", {"order_id": order["order_id"]}, ADA),
    ]


async def test_history_shows_a_new_order_at_once(food: Food) -> None:
    chat = food.chat()
    before = await chat.say("show my past orders")
    assert before.intent == "order_history" and before.answer == "You have no orders yet."
    _, order = await placed(food)
    after = await chat.say("show my past orders")
    assert after.data is not None and after.data["orders"][0]["order_id"] == order["order_id"]
    assert after.answer.startswith("Your last 1 order:\n- " + order["order_id"])
    assert [tool for tool, _, _ in food.take()] == ["order.list_orders"]  # not served from the cache


async def test_cancelling_proposes_then_cancels_on_yes(food: Food) -> None:
    chat, order = await placed(food)
    proposal = await chat.say("cancel my order")
    assert proposal.intent == "cancel_order" and proposal.data is not None
    assert proposal.answer.startswith(f"Cancel order {order['order_id']} (2 × ")
    assert proposal.answer.endswith('Reply "yes" to cancel it or "no" to keep it.')
    # The order just placed is the one meant: no need to list recent orders.
    assert food.take() == [("order.get_order", {"order_id": order["order_id"]}, ADA)]
    still = await chat.say("where is my order?")
    assert still.data is not None and still.data["status"] == "placed"
    await chat.say("cancel my order")
    food.take()
    cancelled = await chat.say("yes")
    assert cancelled.intent == "confirm" and cancelled.data is not None and cancelled.data["status"] == "cancelled"
    assert cancelled.answer.startswith(f"Order {order['order_id']} is cancelled.")
    assert food.take() == [("order.cancel_order", {"order_id": order["order_id"],
                                                   "reason": "cancelled by the customer in chat"}, ADA)]  # fmt: skip
    again = await chat.say("yes")
    assert again.answer == f"Order {order['order_id']} is already cancelled." and food.take() == []


async def test_a_new_conversation_cancels_the_latest_cancellable_order(food: Food) -> None:
    _, order = await placed(food)
    proposal = await food.chat().say("cancel my order")
    assert proposal.data is not None and proposal.data["order_id"] == order["order_id"]
    assert food.take() == [
        ("order.list_orders", {"limit": 5, "email": ADA}, ADA),
        ("order.get_order", {"order_id": order["order_id"]}, ADA),
    ]


async def test_no_to_a_cancellation_keeps_the_order(food: Food) -> None:
    chat, order = await placed(food)
    await chat.say(f"cancel order {order['order_id']}")
    kept = await chat.say("no")
    assert kept.intent == "decline" and kept.answer == "OK, the order stays as it is."
    tracking = await chat.say("where is my order?")
    assert tracking.data is not None and tracking.data["status"] == "placed"
    assert all(tool != "order.cancel_order" for tool, _, _ in food.take())


async def test_another_user_cannot_track_or_cancel_an_order_by_its_id(food: Food) -> None:
    _, order = await placed(food)
    intruder = food.chat(GRACE)
    tracked = await intruder.say(f"track {order['order_id']}")
    assert tracked.data is None and tracked.answer.startswith("I could not find that:")
    cancel = await intruder.say(f"cancel order {order['order_id']}")
    assert cancel.data is None and cancel.answer.startswith("I could not find that:")
    nothing = await intruder.say("yes")
    assert nothing.answer.startswith("There is nothing waiting")
    made = food.take()
    assert made and all(caller == GRACE for _, _, caller in made)
    assert all(tool != "order.cancel_order" for tool, _, _ in made)
    tracking = await food.chat().say("where is my order?")
    assert tracking.data is not None and tracking.data["status"] == "placed"


def test_idempotency_keys_differ_by_tenant_session_cart_and_address() -> None:
    cart = [{"item_id": "m-01", "quantity": 2}]
    key = idempotency_key("acme", "s-1", cart, "addr-1")
    assert key == idempotency_key("acme", "s-1", [dict(line) for line in cart], "addr-1")
    others = [
        idempotency_key("globex", "s-1", cart, "addr-1"),
        idempotency_key("acme", "s-2", cart, "addr-1"),
        idempotency_key("acme", "s-1", [{"item_id": "m-01", "quantity": 3}], "addr-1"),
        idempotency_key("acme", "s-1", cart, "addr-2"),
    ]
    assert key not in others and len(set(others)) == 4
