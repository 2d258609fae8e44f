"""Cache keys carry tenant and user; the tiered cache serves from memory, then shared, and survives L1 failure."""

from __future__ import annotations

import asyncio
from pathlib import Path

from orchestrator.state.base import scoped_key
from orchestrator.state.cache import ALL, ANSWERS, TieredCache
from orchestrator.state.memory import MemoryKVStore
from orchestrator.state.sqlite import SqliteKVStore


def test_the_same_question_has_different_keys_for_different_users_and_tenants() -> None:
    ada = scoped_key("answer", tenant="default", user="ada@example.com", parts=("v1", "what plan am i on"))
    grace = scoped_key("answer", tenant="default", user="grace@example.com", parts=("v1", "what plan am i on"))
    other_tenant = scoped_key("answer", tenant="acme", user="ada@example.com", parts=("v1", "what plan am i on"))
    assert len({ada, grace, other_tenant}) == 3


def test_keys_name_the_tenant_but_never_the_raw_email() -> None:
    key = scoped_key("tool", tenant="acme", user="Ada@Example.com", parts=("x",))
    assert key.startswith("tool:acme:") and "ada" not in key.lower()
    assert key == scoped_key("tool", tenant="acme", user="ada@example.com", parts=("x",))


async def test_a_value_is_served_from_memory_then_from_the_shared_layer_in_a_new_instance() -> None:
    shared = MemoryKVStore()
    first, second = TieredCache(shared), TieredCache(shared)
    await first.set("k", b"v", ttl_s=60)
    hit_here = await first.get("k")
    hit_there = await second.get("k")
    again_there = await second.get("k")
    assert hit_here is not None and hit_here.layer == "memory"
    assert hit_there is not None and hit_there.layer == "shared" and hit_there.value == b"v"
    assert again_there is not None and again_there.layer == "memory"


async def test_zero_ttl_is_never_cached() -> None:
    cache = TieredCache(MemoryKVStore())
    await cache.set("k", b"v", ttl_s=0)
    assert await cache.get("k") is None


class BrokenStore(MemoryKVStore):
    async def get(self, key: str) -> bytes | None:
        raise ConnectionError("store is down")

    async def set(self, key: str, value: bytes, ttl_s: float | None = None) -> None:
        raise ConnectionError("store is down")


async def test_a_failing_shared_layer_degrades_to_memory_and_is_counted() -> None:
    cache = TieredCache(BrokenStore())
    assert await cache.get("k") is None
    await cache.set("k", b"v", ttl_s=60)
    hit = await cache.get("k")
    assert hit is not None and hit.layer == "memory"
    assert cache.l1_errors == 2


async def test_sqlite_entries_survive_a_restart_and_expire(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    store = SqliteKVStore(path)
    await store.set("keep", b"1", ttl_s=3600)
    await store.set("gone", b"2", ttl_s=-1)
    await store.close()
    reopened = SqliteKVStore(path)
    assert await reopened.get("keep") == b"1"
    assert await reopened.get("gone") is None
    await reopened.delete("keep")
    assert await reopened.get("keep") is None
    await reopened.close()


async def test_invalidating_a_user_changes_their_generation_only() -> None:
    cache = TieredCache(MemoryKVStore())
    ada_before = await cache.generation("default", "ada@example.com", (ALL, ANSWERS))
    grace_before = await cache.generation("default", "grace@example.com", (ALL, ANSWERS))
    await cache.invalidate("default", "ada@example.com")
    assert await cache.generation("default", "ada@example.com", (ALL, ANSWERS)) != ada_before
    assert await cache.generation("default", "grace@example.com", (ALL, ANSWERS)) == grace_before


async def test_another_instance_sees_an_invalidation_within_the_generation_ttl() -> None:
    shared = MemoryKVStore()
    here, there = TieredCache(shared, generation_ttl_s=0.05), TieredCache(shared, generation_ttl_s=0.05)
    before = await there.generation("default", "ada@example.com", (ANSWERS,))
    await here.invalidate("default", "ada@example.com", ("order",))
    assert await there.generation("default", "ada@example.com", (ANSWERS,)) == before  # within the bound
    await asyncio.sleep(0.1)
    after = await there.generation("default", "ada@example.com", (ANSWERS,))
    assert after != before
    assert after == await here.generation("default", "ada@example.com", (ANSWERS,))
