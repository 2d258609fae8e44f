"""In-process state stays bounded: the `memory` backend (entries and bytes capped, least recently used evicted,
expired dropped) and the two-layer cache's in-process layer and remembered generations."""

from __future__ import annotations

import pytest

from orchestrator.security.caller import Caller
from orchestrator.settings import Settings
from orchestrator.state.cache import TieredCache
from orchestrator.state.factory import open_store
from orchestrator.state.memory import MemoryKVStore
from orchestrator.state.sessions import SessionStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_more_entries_than_the_bound_keeps_the_newest() -> None:
    store = MemoryKVStore(max_entries=100)
    for n in range(250):
        await store.set(f"k{n}", b"v%d" % n, 60)
    assert len(store) == 100 and store.evicted == 150
    assert [await store.get(f"k{n}") for n in (0, 149)] == [None, None]
    assert [await store.get(f"k{n}") for n in (150, 249)] == [b"v150", b"v249"]


async def test_an_entry_read_is_kept_over_entries_written_earlier() -> None:
    store = MemoryKVStore(max_entries=3)
    for key in ("a", "b", "c"):
        await store.set(key, key.encode())
    assert await store.get("a") == b"a"  # now the most recently used
    await store.set("d", b"d")
    assert [await store.get(key) for key in ("a", "b", "c", "d")] == [b"a", None, b"c", b"d"]


async def test_overwriting_a_key_does_not_count_it_twice() -> None:
    store = MemoryKVStore(max_entries=2, max_bytes=100)
    for _ in range(10):
        await store.set("same", b"x" * 20)
    await store.set("other", b"y")
    assert len(store) == 2 and store.nbytes == len("same") + 20 + len("other") + 1 and store.evicted == 0


async def test_the_byte_bound_evicts_the_least_recently_used() -> None:
    store = MemoryKVStore(max_entries=1000, max_bytes=1000)
    for n in range(30):
        await store.set(f"k{n:02d}", b"x" * 97)  # 100 bytes with the key
    assert len(store) == 10 and store.nbytes == 1000
    assert await store.get("k19") is None and await store.get("k20") == b"x" * 97
    await store.set("big", b"x" * 2000)  # larger than the bound: not kept, and the rest is gone to make room
    assert await store.get("big") is None and store.nbytes == 0


async def test_expired_entries_are_dropped_by_later_writes_without_being_read() -> None:
    clock = Clock()
    store = MemoryKVStore(max_entries=1000, clock=clock)
    for n in range(5):
        await store.set(f"old{n}", b"v", 10)
    clock.now += 11
    await store.set("new", b"v", 10)
    assert len(store) == 1 and store.evicted == 0 and await store.get("new") == b"v"


async def test_an_expired_entry_is_a_miss_and_gone_after_the_read() -> None:
    clock = Clock()
    store = MemoryKVStore(clock=clock)
    await store.set("forever", b"1")
    await store.set("short", b"2", 5)
    clock.now += 5
    assert await store.get("short") is None and len(store) == 1
    clock.now += 10**6
    assert await store.get("forever") == b"1"


async def test_delete_and_close_release_the_bytes() -> None:
    store = MemoryKVStore()
    await store.set("a", b"12345")
    await store.set("b", b"12345")
    await store.delete("a")
    assert store.nbytes == 6
    await store.close()
    assert len(store) == 0 and store.nbytes == 0


async def test_a_session_evicted_by_the_bound_starts_over() -> None:
    ada = Caller("ada@example.com")
    kv = MemoryKVStore(max_entries=2)
    sessions = SessionStore(kv)
    session = await sessions.load(None, ada, "web")
    session.data["cart"] = ["m-01"]
    await sessions.save(session, ada)
    await kv.set("answer:1", b"a", 60)
    await kv.set("answer:2", b"b", 60)
    again = await sessions.load(session.session_id, ada, "web")
    assert again.data == {}


def test_the_settings_size_the_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCH_MEMORY_STORE_MAX_ENTRIES", "123")
    monkeypatch.setenv("ORCH_MEMORY_STORE_MAX_BYTES", "4567")
    store = open_store(Settings(state_backend="memory"))
    assert isinstance(store, MemoryKVStore) and (store.max_entries, store.max_bytes) == (123, 4567)


def test_a_bound_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one entry"):
        MemoryKVStore(max_entries=0)


async def test_the_in_process_layer_and_remembered_generations_keep_the_newest() -> None:
    shared = MemoryKVStore(max_entries=1000)
    cache = TieredCache(shared, l2_max_entries=10)
    for n in range(50):
        await cache.set(f"answer:{n}", b"v", 60)
        await cache.invalidate("t", f"user{n}@example.com", ["billing"])
    assert len(cache._l2) == 10 and len(cache._known_generations) == 10
    assert cache._l2.get("answer:49") is not None and cache._l2.get("answer:0") is None
    assert len(shared) == 150  # 50 answers and 50 users' two generations: L1 holds them all (its own bound)
