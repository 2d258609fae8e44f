"""Scoped invalidation, the L1 circuit, and single-flight of the tiered cache."""

from __future__ import annotations

import asyncio

import pytest

from orchestrator.resilience.breaker import CircuitBreaker
from orchestrator.state.cache import ALL, ANSWERS, TieredCache
from orchestrator.state.flight import SingleFlight
from orchestrator.state.memory import MemoryKVStore

ADA = "ada@example.com"


async def gens(cache: TieredCache, *scopes: str) -> dict[str, str]:
    return {scope: await cache.generation("t", ADA, (scope,)) for scope in scopes}


async def test_a_declared_write_invalidates_its_scopes_and_answers_only() -> None:
    cache = TieredCache(MemoryKVStore())
    before = await gens(cache, ALL, ANSWERS, "order", "tracking", "menu")
    await cache.invalidate("t", ADA, ["order", "tracking"])
    after = await gens(cache, ALL, ANSWERS, "order", "tracking", "menu")
    changed = {scope for scope in before if before[scope] != after[scope]}
    assert changed == {ANSWERS, "order", "tracking"}


async def test_an_undeclared_write_invalidates_every_read_of_the_user() -> None:
    cache = TieredCache(MemoryKVStore())
    before = await gens(cache, ALL, ANSWERS, "menu")
    await cache.invalidate("t", ADA, None)
    after = await gens(cache, ALL, ANSWERS, "menu")
    assert after[ALL] != before[ALL] and after[ANSWERS] != before[ANSWERS]
    assert after["menu"] == before["menu"]  # reads carry (ALL, scope): a new ALL is enough


async def test_an_empty_declaration_still_invalidates_answers() -> None:
    cache = TieredCache(MemoryKVStore())
    before = await gens(cache, ALL, ANSWERS)
    await cache.invalidate("t", ADA, [])
    after = await gens(cache, ALL, ANSWERS)
    assert after[ALL] == before[ALL] and after[ANSWERS] != before[ANSWERS]


class FlakyStore(MemoryKVStore):
    """A shared store that can be switched off, and counts what reaches it."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.calls = 0

    async def get(self, key: str) -> bytes | None:
        self.calls += 1
        if self.down:
            raise ConnectionError("store is down")
        return await super().get(key)

    async def set(self, key: str, value: bytes, ttl_s: float | None = None) -> None:
        self.calls += 1
        if self.down:
            raise ConnectionError("store is down")
        await super().set(key, value, ttl_s)


async def test_repeated_l1_failures_open_the_circuit_and_l1_is_skipped() -> None:
    store = FlakyStore()
    store.down = True
    cache = TieredCache(store, l1_breaker=CircuitBreaker(failures=3, cooldown_s=60))
    for i in range(10):
        assert await cache.get(f"k{i}") is None
    assert store.calls == 3
    assert cache.stats.l1_errors == 3 and cache.stats.l1_skipped == 7
    assert cache.l1_state == "open"


async def test_l1_is_tried_again_after_the_cooldown_and_recovers() -> None:
    store = FlakyStore()
    store.down = True
    cache = TieredCache(store, l1_breaker=CircuitBreaker(failures=1, cooldown_s=0.05))
    await cache.get("k")
    assert cache.l1_state == "open"
    store.down = False
    await store.set("k", b"v", 60)
    await asyncio.sleep(0.08)
    hit = await cache.get("k")
    assert hit is not None and hit.layer == "shared"
    assert cache.l1_state in {"closed"}  # (mypy narrows the property)


class SlowStore(MemoryKVStore):
    async def get(self, key: str) -> bytes | None:
        await asyncio.sleep(5)
        return None


async def test_a_slow_l1_is_cut_off_by_its_own_timeout() -> None:
    cache = TieredCache(SlowStore(), l1_timeout_s=0.05)
    loop = asyncio.get_running_loop()
    start = loop.time()
    assert await cache.get("k") is None
    assert loop.time() - start < 1.0
    assert cache.stats.l1_errors == 1


async def test_a_write_during_an_outage_is_not_forgotten_when_its_memory_entry_expires() -> None:
    store = FlakyStore()
    cache = TieredCache(store, generation_ttl_s=0.02, l1_breaker=CircuitBreaker(failures=100, cooldown_s=1))
    before = await cache.generation("t", ADA, (ALL,))
    store.down = True
    await cache.invalidate("t", ADA, None)
    bumped = await cache.generation("t", ADA, (ALL,))
    await asyncio.sleep(0.05)
    assert await cache.generation("t", ADA, (ALL,)) == bumped != before


async def test_single_flight_computes_concurrent_identical_keys_once() -> None:
    flights: SingleFlight[int] = SingleFlight()
    runs = 0
    gate = asyncio.Event()

    async def compute() -> int:
        nonlocal runs
        runs += 1
        await gate.wait()
        return 42

    waiters = [asyncio.create_task(flights.run("k", compute)) for _ in range(5)]
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*waiters)
    assert runs == 1
    assert [value for value, _ in results] == [42] * 5
    assert [joined for _, joined in results] == [False, True, True, True, True]
    assert len(flights) == 0


async def test_single_flight_keeps_different_keys_apart_and_starts_afresh_after_completion() -> None:
    flights: SingleFlight[str] = SingleFlight()
    calls: list[str] = []

    async def compute(key: str) -> str:
        calls.append(key)
        await asyncio.sleep(0.01)
        return key

    await asyncio.gather(flights.run("ada", lambda: compute("ada")), flights.run("grace", lambda: compute("grace")))
    await flights.run("ada", lambda: compute("ada"))
    assert calls == ["ada", "grace", "ada"]


async def test_single_flight_shares_a_failure_and_survives_a_waiter_giving_up() -> None:
    flights: SingleFlight[int] = SingleFlight()
    gate = asyncio.Event()

    async def compute() -> int:
        await gate.wait()
        raise ConnectionError("backend down")

    first = asyncio.create_task(flights.run("k", compute))
    second = asyncio.create_task(flights.run("k", compute))
    await asyncio.sleep(0)
    first.cancel()  # the caller that started it goes away: the others still get the outcome
    gate.set()
    with pytest.raises(ConnectionError):
        await second
    with pytest.raises(asyncio.CancelledError):
        await first
