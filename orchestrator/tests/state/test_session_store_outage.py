"""The session store (a real redis-server) stops answering mid-conversation: the turn is refused with a
clear, retryable error, nothing stored is lost, and the conversation goes on where it was once the
store answers again. A turn that placed an order before its session could be saved still says so,
and a later "yes" never places it twice. Over the real food services in-process."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from food_world import Chat, Food, food_stack

from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.wire import CallContext, ToolInfo
from mcp_devtools.emulators import RedisServer
from orchestrator.state.redis import RedisKVStore
from orchestrator.tools.source import ToolSource

ADA = "ada@example.com"


class Pausable:
    """The redis-server, stopped (SIGSTOP: it keeps its data, and its clients time out) and resumed."""

    def __init__(self, server: RedisServer) -> None:
        client = redis.Redis.from_url(server.url)
        self.pid = int(client.info("server")["process_id"])
        client.close()
        self.paused = False

    def pause(self) -> None:
        os.kill(self.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        if self.paused:
            os.kill(self.pid, signal.SIGCONT)
            self.paused = False

    @contextmanager
    def stopped(self) -> Iterator[None]:
        self.pause()
        try:
            yield
        finally:
            self.resume()


class PausesAfter:
    """A tool source that stops the store once `tool` has next answered: that turn's session cannot be saved."""

    def __init__(self, inner: ToolSource, store: Pausable) -> None:
        self.inner = inner
        self.name = inner.name
        self.store = store
        self.tool: str | None = None

    async def list_tools(self) -> list[ToolInfo]:
        return await self.inner.list_tools()

    async def call(self, tool: str, arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
        result = await self.inner.call(tool, arguments, context)
        if tool == self.tool:
            self.tool = None
            self.store.pause()
        return result

    async def health(self) -> None:
        await self.inner.health()


@pytest.fixture
def store(redis_server: RedisServer) -> Iterator[Pausable]:
    pausable = Pausable(redis_server)
    yield pausable
    pausable.resume()


@pytest.fixture
def sources() -> dict[str, PausesAfter]:
    return {}


@pytest.fixture
async def food(
    tmp_path: Path, redis_server: RedisServer, store: Pausable, sources: dict[str, PausesAfter]
) -> AsyncIterator[Food]:
    kv = RedisKVStore(redis_server.url, prefix=f"t{uuid.uuid4().hex[:12]}", timeout_s=0.3)

    def wrap(source: ToolSource) -> ToolSource:
        sources[source.name] = PausesAfter(source, store)
        return sources[source.name]

    try:
        async with food_stack(tmp_path, store=kv, wrap=wrap) as stack:
            yield stack
    finally:
        store.resume()
        await kv.close()


async def refused(chat: Chat, message: str) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        await chat.say(message)
    return caught.value


async def cart_lines(chat: Chat) -> list[tuple[str, int]]:
    answer = await chat.say("what's in my cart?")
    assert answer.data is not None, answer.answer
    return [(line["name"], line["quantity"]) for line in answer.data["lines"]]


async def test_a_message_while_the_store_is_down_is_refused_clearly_and_the_cart_is_there_after(
    food: Food, store: Pausable
) -> None:
    chat = food.chat(ADA)
    await chat.say("show me vegetarian mains under 15")
    await chat.say("add two of the first one")
    before = await cart_lines(chat)

    with store.stopped():
        error = await refused(chat, "add the second one")

    assert error.code is ErrorCode.SERVICE_UNAVAILABLE and error.retryable
    assert error.message.startswith("Your conversation could not be opened: its store is not answering.")
    assert "Nothing was done and nothing is lost" in error.message
    assert len(before) == 1 and before[0][1] == 2
    assert await cart_lines(chat) == before
    added = await chat.say("add the second one")
    assert added.intent == "add_to_cart" and len(await cart_lines(chat)) == 2


async def test_an_order_placed_before_the_session_could_be_saved_is_reported_and_never_placed_twice(
    food: Food, store: Pausable, sources: dict[str, PausesAfter]
) -> None:
    chat = food.chat(ADA)
    await chat.say("show me vegetarian mains under 15")
    await chat.say("add two of the first one")
    await chat.say("checkout")
    sources["order"].tool = "create_order"

    error = await refused(chat, "yes")
    store.resume()
    placed = await chat.say("yes")
    count = await food.order_count()

    assert error.code is ErrorCode.SERVICE_UNAVAILABLE and error.retryable
    order_id = error.message.split()[1]
    assert error.message.startswith(f"Order {order_id} placed: 2 × ")
    assert error.message.endswith(
        "(This conversation could not be saved: its store is not answering, so my next reply may not know about this.)"
    )
    assert order_id in placed.answer  # the session as stored before (a yes awaited) or after (already placed)
    assert count == 1


async def test_a_session_that_cannot_be_saved_after_a_turn_that_wrote_nothing_says_so(
    food: Food, sources: dict[str, PausesAfter]
) -> None:
    chat = food.chat(ADA)
    await chat.say("show me vegetarian mains under 15")
    sources["menu"].tool = "get_item"

    error = await refused(chat, "add two of the first one")

    assert error.code is ErrorCode.SERVICE_UNAVAILABLE and error.retryable
    assert error.message == (
        "Your conversation could not be saved: its store is not answering, so your last message may not have "
        "been kept. Nothing else was changed; try again in a moment."
    )
