"""Sessions: scoped to their user and tenant, expiring, and never a way into someone else's cart."""

from __future__ import annotations

import asyncio

import pytest

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.domains.food.state import CartLine, FoodState
from orchestrator.security.caller import Caller
from orchestrator.state.memory import MemoryKVStore
from orchestrator.state.sessions import SessionStore

ADA, GRACE = Caller("ada@example.com"), Caller("grace@example.com")


async def test_a_session_continues_with_its_cart() -> None:
    store = SessionStore(MemoryKVStore())
    session = await store.load(None, ADA, "web")
    FoodState(cart=[CartLine(item_id="m-01", name="Dal", quantity=2, unit_price_cents=900)]).store(session)
    await store.save(session, ADA)
    again = await store.load(session.session_id, ADA, "web")
    assert again.session_id == session.session_id and FoodState.of(again).cart_total_cents() == 1800


async def test_another_user_with_the_same_session_id_gets_an_empty_session_of_their_own() -> None:
    store = SessionStore(MemoryKVStore())
    ada = await store.load("shared-session-1", ADA, "web")
    FoodState(cart=[CartLine(item_id="m-01", name="Dal", quantity=1, unit_price_cents=900)]).store(ada)
    await store.save(ada, ADA)
    grace = await store.load("shared-session-1", GRACE, "web")
    assert grace.data == {} and grace.user == "grace@example.com"
    other_tenant = await store.load("shared-session-1", Caller("ada@example.com", tenant="acme"), "web")
    assert other_tenant.data == {}
    assert FoodState.of(await store.load("shared-session-1", ADA, "web")).cart[0].item_id == "m-01"


async def test_new_sessions_get_unguessable_distinct_ids() -> None:
    store = SessionStore(MemoryKVStore())
    ids = {(await store.load(None, ADA, "web")).session_id for _ in range(50)}
    assert len(ids) == 50 and all(len(i) >= 20 for i in ids)


async def test_a_session_expires_after_its_ttl() -> None:
    store = SessionStore(MemoryKVStore(), ttl_s=0.05)
    session = await store.load(None, ADA, "web")
    session.data = {"address_id": "addr-ada-work"}
    await store.save(session, ADA)
    await asyncio.sleep(0.1)
    assert (await store.load(session.session_id, ADA, "web")).data == {}


@pytest.mark.parametrize("bad", ["short", "has space in it", "x" * 200, "semi;colon-id"])
async def test_malformed_session_ids_are_rejected(bad: str) -> None:
    with pytest.raises(ServiceError) as raised:
        await SessionStore(MemoryKVStore()).load(bad, ADA, "web")
    assert raised.value.code == ErrorCode.INVALID_REQUEST


async def test_an_unreadable_session_is_replaced_not_fatal() -> None:
    kv = MemoryKVStore()
    store = SessionStore(kv)
    await kv.set(store._key("broken-session", ADA), b"{not json", 60)
    session = await store.load("broken-session", ADA, "web")
    assert session.data == {} and session.session_id == "broken-session"


def test_food_state_from_another_version_is_read_as_empty_not_fatal() -> None:
    session = asyncio.run(SessionStore(MemoryKVStore()).load(None, ADA, "web"))
    session.data = {"cart": [{"item_id": "m-01", "quantity": "many"}]}
    assert FoodState.of(session) == FoodState()
