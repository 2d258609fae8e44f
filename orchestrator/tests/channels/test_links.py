"""Link codes expire, are scoped to their tenant, and links are stored without the sender's address."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from kv_backends import KVFactory, kv_factory_fixture  # noqa: F401 (fixture)

from orchestrator.channels.links import LinkStore, Redeemed, Sender
from orchestrator.state.memory import MemoryKVStore


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_an_expired_code_links_nothing() -> None:
    clock = Clock()
    links = LinkStore(MemoryKVStore(clock=clock), code_ttl_s=600)
    sender = Sender("default", "sms", "+447700900301")
    code = await links.issue(email="ada@example.com", tenant="default")
    clock.now += 601
    assert (await links.redeem(sender, code)).outcome is Redeemed.INVALID
    assert await links.find(sender) is None


async def test_failed_attempts_are_forgotten_after_their_window() -> None:
    clock = Clock()
    links = LinkStore(MemoryKVStore(clock=clock), max_attempts=2, attempt_window_s=900)
    sender = Sender("default", "sms", "+447700900302")
    for _ in range(2):
        await links.redeem(sender, "00000000")
    code = await links.issue(email="ada@example.com", tenant="default")
    assert (await links.redeem(sender, code)).outcome is Redeemed.LOCKED
    clock.now += 901
    code = await links.issue(email="ada@example.com", tenant="default")  # the first one has expired meanwhile
    assert (await links.redeem(sender, code)).outcome is Redeemed.LINKED
    assert await links.find(sender) == "ada@example.com"


async def test_links_are_per_tenant_and_channel_and_keys_hold_no_phone_number() -> None:
    store = MemoryKVStore()
    links = LinkStore(store)
    sender = Sender("acme", "sms", "+447700900303")
    await links.redeem(sender, await links.issue(email="ada@example.com", tenant="acme"))
    assert await links.find(sender) == "ada@example.com"
    assert await links.find(Sender("beta", "sms", "+447700900303")) is None
    assert await links.find(Sender("acme", "whatsapp", "+447700900303")) is None
    assert not any("447700900303" in key for key in store._data)


async def test_one_code_redeemed_at_once_by_two_senders_on_two_instances_links_one(kv_factory: KVFactory) -> None:
    first, second = LinkStore(kv_factory()), LinkStore(kv_factory())
    code = await first.issue(email="ada@example.com", tenant="default")
    senders = [Sender("default", "sms", f"+4477009004{i:02d}") for i in range(10)]
    redeemed = await asyncio.gather(*((first, second)[i % 2].redeem(s, code) for i, s in enumerate(senders)))
    assert [r.outcome for r in redeemed].count(Redeemed.LINKED) == 1
    linked = [await first.find(s) for s in senders]
    assert linked.count("ada@example.com") == 1 and linked.count(None) == 9


async def test_a_new_code_never_replaces_a_live_one(monkeypatch: pytest.MonkeyPatch) -> None:
    links = LinkStore(MemoryKVStore())
    draws = iter([1234, 1234, 5678])
    monkeypatch.setattr(secrets, "randbelow", lambda _n: next(draws))
    assert await links.issue(email="ada@example.com", tenant="default") == "00001234"
    assert await links.issue(email="grace@example.com", tenant="default") == "00005678"
    ada = Sender("default", "sms", "+447700900411")
    assert (await links.redeem(ada, "00001234")).email == "ada@example.com"
