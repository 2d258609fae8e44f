"""A "yes" whose write fails keeps what was pending, tells the user what failed and whether anything
happened, and the next "yes" makes the write once: over the real food services in-process, the
order service on a real PostgreSQL that turns read-only at checkout, or a source that fails."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from food_world import Chat, Food, food_stack

from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.wire import CallContext, ToolInfo
from mcp_devtools.postgres import PostgresServer
from orchestrator.tools.source import ToolSource

ADA = "ada@example.com"


class Failing:
    """A tool source whose tool fails the next time it is called: `down` without reaching the service,
    `lost` after the service did the work (its answer never came back)."""

    def __init__(self, inner: ToolSource) -> None:
        self.inner = inner
        self.name = inner.name
        self.next: dict[str, str] = {}

    async def list_tools(self) -> list[ToolInfo]:
        return await self.inner.list_tools()

    async def call(self, tool: str, arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
        how = self.next.pop(tool, None)
        if how == "down":
            raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, f"{self.name} is unreachable")
        if how == "refused":
            raise ServiceError(ErrorCode.CONFLICT, "not available right now: Paneer Tikka Masala (m-09)")
        result = await self.inner.call(tool, arguments, context)
        if how == "lost":
            raise ServiceError(ErrorCode.SERVICE_TIMEOUT, f"{self.name} did not answer in time")
        return result

    async def health(self) -> None:
        await self.inner.health()


def failing_order(sources: list[Failing]) -> Callable[[ToolSource], ToolSource]:
    def wrap(source: ToolSource) -> ToolSource:
        if source.name != "order":
            return source
        sources.append(Failing(source))
        return sources[-1]

    return wrap


@pytest.fixture
def order_database(postgres: PostgresServer) -> tuple[PostgresServer, str]:
    name = f"t_{uuid.uuid4().hex[:16]}"
    postgres.create_database(name)
    return postgres, name


async def checkout(food: Food) -> Chat:
    """Ada's conversation with two of the first vegetarian main in the cart, checked out (a yes away)."""
    chat = food.chat(ADA)
    await chat.say("show me vegetarian mains under 15")
    await chat.say("add two of the first one")
    summary = await chat.say("checkout")
    assert summary.intent == "checkout", summary.answer
    food.take()
    return chat


async def test_a_yes_while_the_order_database_is_read_only_keeps_the_checkout_and_the_next_yes_places_one_order(
    tmp_path: Path, order_database: tuple[PostgresServer, str]
) -> None:
    server, name = order_database
    async with food_stack(tmp_path, urls={"order": server.url(name)}) as food:
        chat = await checkout(food)
        server.set_read_only(name)
        try:
            failed = await chat.say("yes")
            orders_meanwhile = await food.order_count()
        finally:
            server.set_read_only(name, False)
        placed = await chat.say("yes")
        again = await chat.say("yes")
        count = await food.order_count()

    assert failed.intent == "confirm" and failed.data is None
    assert failed.answer.startswith("I could not place your order: the database accepts no changes right now")
    assert "Nothing was placed or charged, and I have kept your cart and this order" in failed.answer
    assert failed.answer.endswith('reply "yes" to try again — it can never be placed twice.')
    assert orders_meanwhile == 0
    assert placed.data is not None and placed.answer.startswith(f"Order {placed.data['order_id']} placed: 2 × ")
    assert again.answer == f"Your order {placed.data['order_id']} is already placed — I have not placed it twice."
    assert count == 1


async def test_a_yes_to_a_cancellation_while_the_database_is_read_only_keeps_it_for_the_next_yes(
    tmp_path: Path, order_database: tuple[PostgresServer, str]
) -> None:
    server, name = order_database
    async with food_stack(tmp_path, urls={"order": server.url(name)}) as food:
        chat = await checkout(food)
        placed = await chat.say("yes")
        assert placed.data is not None
        proposed = await chat.say("cancel my order")
        server.set_read_only(name)
        try:
            failed = await chat.say("yes")
        finally:
            server.set_read_only(name, False)
        cancelled = await chat.say("yes")

    assert proposed.intent == "cancel_order"
    assert failed.answer.startswith("I could not cancel the order: the database accepts no changes right now")
    assert failed.answer.endswith('The order is unchanged, and I have kept the cancellation: reply "yes" to try again.')
    assert cancelled.data is not None and cancelled.data["order_id"] == placed.data["order_id"]
    assert cancelled.data["status"] == "cancelled"


async def test_a_yes_while_the_order_service_is_down_keeps_the_checkout_for_the_next_yes(tmp_path: Path) -> None:
    sources: list[Failing] = []
    async with food_stack(tmp_path, wrap=failing_order(sources)) as food:
        chat = await checkout(food)
        sources[0].next["create_order"] = "down"
        failed = await chat.say("yes")
        placed = await chat.say("yes")
        count = await food.order_count()

    assert failed.answer == (
        "I could not place your order: order is unreachable. Nothing was placed or charged, and I have kept your "
        'cart and this order: reply "yes" to try again — it can never be placed twice.'
    )
    assert placed.data is not None and placed.data["status"] == "placed"
    assert count == 1


async def test_a_yes_whose_answer_was_lost_says_the_outcome_is_unknown_and_the_next_yes_answers_that_order(
    tmp_path: Path,
) -> None:
    sources: list[Failing] = []
    async with food_stack(tmp_path, wrap=failing_order(sources)) as food:
        chat = await checkout(food)
        sources[0].next["create_order"] = "lost"
        unknown = await chat.say("yes")
        placed_meanwhile = await food.order_count()
        answered = await chat.say("yes")
        count = await food.order_count()

    assert unknown.answer.startswith("I don't know yet whether your order was placed: order did not answer in time.")
    assert "never twice, and never charged twice" in unknown.answer
    assert placed_meanwhile == 1  # it was placed: only its answer was lost
    assert answered.data is not None and answered.data["status"] == "placed"
    assert count == 1


async def test_a_yes_the_order_service_refuses_drops_the_checkout_and_keeps_the_cart(tmp_path: Path) -> None:
    sources: list[Failing] = []
    async with food_stack(tmp_path, wrap=failing_order(sources)) as food:
        chat = await checkout(food)
        sources[0].next["create_order"] = "refused"
        refused = await chat.say("yes")
        again = await chat.say("yes")
        cart = await chat.say("what's in my cart?")
        count = await food.order_count()

    assert refused.answer == (
        "I could not place your order: not available right now: Paneer Tikka Masala (m-09). Nothing was placed "
        "or charged; your cart is unchanged."
    )
    assert again.answer.startswith("There is nothing waiting for your confirmation")
    assert cart.data is not None and len(cart.data["lines"]) == 1
    assert count == 0
