"""One contract for every KV store: memory, SQLite, a real redis-server, the Firestore emulator."""

from __future__ import annotations

import asyncio

import pytest
from kv_backends import FIRESTORE_EMULATOR_PRECONDITION, KVFactory, kv_factory_fixture  # noqa: F401 (fixture)

from orchestrator.state.base import scoped_key


async def test_missing_key_reads_none(kv_factory: KVFactory) -> None:
    store = kv_factory()
    assert await store.get("answer:t:u:nothing") is None


async def test_round_trip_keeps_bytes_exactly(kv_factory: KVFactory) -> None:
    store = kv_factory()
    value = bytes(range(256)) * 4 + "é😀".encode()
    await store.set("tool:t:u:k", value, 60)
    assert await store.get("tool:t:u:k") == value


async def test_large_value(kv_factory: KVFactory) -> None:
    store = kv_factory()
    value = b"x" * 200_000
    await store.set("answer:t:u:big", value, 60)
    assert await store.get("answer:t:u:big") == value


async def test_overwrite_replaces_value_and_ttl(kv_factory: KVFactory) -> None:
    store = kv_factory()
    await store.set("session:t:u:s", b"one", 0.3)
    await store.set("session:t:u:s", b"two", 60)
    await asyncio.sleep(0.5)
    assert await store.get("session:t:u:s") == b"two"


async def test_entry_expires_after_its_ttl(kv_factory: KVFactory) -> None:
    store = kv_factory()
    await store.set("answer:t:u:short", b"v", 0.3)
    assert await store.get("answer:t:u:short") == b"v"
    await asyncio.sleep(0.6)
    assert await store.get("answer:t:u:short") is None


async def test_entry_without_ttl_stays(kv_factory: KVFactory) -> None:
    store = kv_factory()
    await store.set("generation:t:u:", b"g1")
    await asyncio.sleep(0.3)
    assert await store.get("generation:t:u:") == b"g1"


async def test_delete_removes_and_missing_delete_is_fine(kv_factory: KVFactory) -> None:
    store = kv_factory()
    await store.set("tool:t:u:d", b"v", 60)
    await store.delete("tool:t:u:d")
    assert await store.get("tool:t:u:d") is None
    await store.delete("tool:t:u:never-set")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("answer:t:u:Key", "answer:t:u:key"),
        ("answer:t:u:a/b", "answer:t:u:a_b"),
        ("answer:t:u:k", "tool:t:u:k"),
        ("answer:t:u:" + "x" * 900 + "1", "answer:t:u:" + "x" * 900 + "2"),
        ("answer:t:u:naïve", "answer:t:u:naive"),
    ],
)
async def test_distinct_keys_never_share_an_entry(kv_factory: KVFactory, first: str, second: str) -> None:
    store = kv_factory()
    await store.set(first, b"first", 60)
    await store.set(second, b"second", 60)
    assert await store.get(first) == b"first"
    assert await store.get(second) == b"second"


async def test_scoped_keys_of_two_users_and_tenants_stay_apart(kv_factory: KVFactory) -> None:
    store = kv_factory()
    keys = {
        (tenant, user): scoped_key("answer", tenant=tenant, user=user, parts=("same question",))
        for tenant in ("acme", "globex")
        for user in ("ada@example.com", "grace@example.com")
    }
    for (tenant, user), key in keys.items():
        await store.set(key, f"{tenant}/{user}".encode(), 60)
    for (tenant, user), key in keys.items():
        assert await store.get(key) == f"{tenant}/{user}".encode()


async def test_concurrent_writes_and_reads(kv_factory: KVFactory) -> None:
    store = kv_factory()
    await asyncio.gather(*(store.set(f"tool:t:u:{i}", str(i).encode(), 60) for i in range(50)))
    values = await asyncio.gather(*(store.get(f"tool:t:u:{i}") for i in range(50)))
    assert values == [str(i).encode() for i in range(50)]


async def test_two_instances_share_entries(kv_factory: KVFactory) -> None:
    """What one instance writes, another instance of the same deployment reads and deletes."""
    first, second = kv_factory(), kv_factory()
    await first.set("session:t:u:shared", b"cart", 60)
    assert await second.get("session:t:u:shared") == b"cart"
    await second.set("session:t:u:shared", b"cart+1", 60)
    assert await first.get("session:t:u:shared") == b"cart+1"
    await second.delete("session:t:u:shared")
    assert await first.get("session:t:u:shared") is None


async def test_add_stores_an_absent_key(kv_factory: KVFactory) -> None:
    store = kv_factory()
    assert await store.add("channel-seen:t:-:a", b"first", 60) is True
    assert await store.get("channel-seen:t:-:a") == b"first"


async def test_add_leaves_a_present_key_alone(kv_factory: KVFactory) -> None:
    store = kv_factory()
    await store.set("channel-seen:t:-:p", b"first", 60)
    assert await store.add("channel-seen:t:-:p", b"second", 60) is False
    assert await store.get("channel-seen:t:-:p") == b"first"
    await store.set("channel-seen:t:-:forever", b"kept")
    assert await store.add("channel-seen:t:-:forever", b"other") is False
    assert await store.get("channel-seen:t:-:forever") == b"kept"


async def test_add_replaces_an_expired_key_and_its_ttl_applies(kv_factory: KVFactory) -> None:
    store = kv_factory()
    await store.set("channel-seen:t:-:e", b"old", 0.2)
    await asyncio.sleep(0.4)
    assert await store.add("channel-seen:t:-:e", b"new", 0.3) is True
    assert await store.get("channel-seen:t:-:e") == b"new"
    assert await store.add("channel-seen:t:-:e", b"newer", 60) is False
    await asyncio.sleep(0.5)
    assert await store.get("channel-seen:t:-:e") is None


async def test_twenty_concurrent_adds_of_one_key_store_it_once(kv_factory: KVFactory) -> None:
    store = kv_factory()
    won = await asyncio.gather(*(store.add("channel-seen:t:-:race", str(i).encode(), 60) for i in range(20)))
    assert won.count(True) == 1
    assert await store.get("channel-seen:t:-:race") == str(won.index(True)).encode()


async def test_concurrent_adds_from_two_instances_store_a_key_once(kv_factory: KVFactory) -> None:
    """Two instances of one deployment claim the same key at once."""
    stores = [kv_factory(), kv_factory()]
    key = "channel-seen:t:-:shared"
    won = await asyncio.gather(*(stores[i % 2].add(key, str(i).encode(), 60) for i in range(20)))
    assert won.count(True) == 1, won
    value = str(won.index(True)).encode()
    assert await stores[0].get(key) == value and await stores[1].get(key) == value


async def test_concurrent_adds_from_two_instances_over_an_expired_entry(
    kv_factory: KVFactory, request: pytest.FixtureRequest
) -> None:
    stores = [kv_factory(), kv_factory()]
    key = "channel-seen:t:-:stale"
    await stores[0].set(key, b"expired", 0.1)
    await asyncio.sleep(0.3)
    won = await asyncio.gather(*(stores[i % 2].add(key, str(i).encode(), 60) for i in range(20)))
    assert won.count(True) >= 1, won
    if request.node.callspec.params["kv_factory"] == "firestore":
        pytest.skip(FIRESTORE_EMULATOR_PRECONDITION)
    assert won.count(True) == 1, won
    value = str(won.index(True)).encode()
    assert await stores[0].get(key) == value and await stores[1].get(key) == value
