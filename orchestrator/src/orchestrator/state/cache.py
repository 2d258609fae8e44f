"""TieredCache: L2 in-process memory in front of L1, the shared KV store.

A read tries L2, then L1 (and fills L2 from it). A write goes to both. L1 failures and slow
L1 calls never fail a request: they are logged, counted, and the call proceeds as a miss. After
`l1_breaker_failures` failures in a row the cache stops asking L1 for `l1_breaker_cooldown_s`
(requests are served from L2 and live calls without waiting on a dead store), then tries again.

Invalidation is per user, per scope, and O(1) per write. A user has a *generation* per cache
scope (a service name, `*` for all of them, `answers` for whole answers), a random token stored
in L1. Every cached read carries the generations of its scope and of `*` in its key; every cached
answer carries the `answers` generation. A write bumps `answers` and the scopes it declares
(`invalidates`), or `*` when it declares none, so everything cached for that user in those scopes
before the write is never read again and simply expires. Generations are read through L2 for at
most `generation_ttl_s`: on the instance that wrote, the bump is seen at once; another instance
sharing L1 sees it within that bound.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Literal, TypeVar

from cachetools import LRUCache, TLRUCache

from orchestrator.resilience.breaker import BreakerState, CircuitBreaker
from orchestrator.state.base import KVStore, scoped_key

logger = logging.getLogger(__name__)

Layer = Literal["memory", "shared"]
T = TypeVar("T")

ANSWERS = "answers"
"""The generation scope of whole answers: every write of a user bumps it."""
ALL = "*"
"""The generation scope every cached read carries: a write that declares no scopes bumps it."""


@dataclass
class CacheStats:
    """Counters since start; shown by `/health`."""

    memory_hits: int = 0
    shared_hits: int = 0
    misses: int = 0
    l1_errors: int = 0
    l1_skipped: int = 0
    invalidations: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class CacheHit:
    value: bytes
    layer: Layer


class TieredCache:
    """Two cache layers over one key space; keys are built with `scoped_key`."""

    def __init__(
        self,
        shared: KVStore,
        *,
        l2_max_entries: int = 10_000,
        l2_max_ttl_s: float = 30.0,
        l1_timeout_s: float = 0.5,
        l1_breaker: CircuitBreaker | None = None,
        generation_ttl_s: float = 1.0,
        generation_max_age_s: float = 7 * 24 * 3600,
    ) -> None:
        self.shared = shared
        self._l2: TLRUCache[str, tuple[bytes, float]] = TLRUCache(
            maxsize=l2_max_entries, ttu=lambda _k, v, _now: v[1], timer=time.monotonic
        )
        self._l2_max_ttl_s = l2_max_ttl_s
        self._l1_timeout_s = l1_timeout_s
        self._breaker = l1_breaker or CircuitBreaker(failures=5, cooldown_s=5.0)
        self._generation_ttl_s = generation_ttl_s
        self._generation_max_age_s = generation_max_age_s
        # The last generation this instance knew of each user scope: used while L1 cannot be read, so
        # a write made during an outage is not forgotten when its short-lived L2 entry expires.
        self._known_generations: LRUCache[str, str] = LRUCache(maxsize=l2_max_entries)
        self.stats = CacheStats()

    @property
    def l1_errors(self) -> int:
        return self.stats.l1_errors

    @property
    def l1_breaker(self) -> CircuitBreaker:
        """The breaker in front of L1 (its state and opens are metrics)."""
        return self._breaker

    @property
    def l1_state(self) -> BreakerState:
        """`open` while L1 is skipped after repeated failures."""
        return self._breaker.state

    async def generation(self, tenant: str, user: str, scopes: Sequence[str]) -> str:
        """The user's current generations of `scopes`, as one key part."""
        values: list[str | None] = []
        for scope in scopes:  # nearly always in L2: no task, no await
            entry = self._l2.get(_generation_key(tenant, user, scope))
            values.append(entry[0].decode() if entry is not None else None)
        missing = [i for i, value in enumerate(values) if value is None]
        if len(missing) == 1:
            values[missing[0]] = await self._generation(tenant, user, scopes[missing[0]])
        elif missing:
            read = await asyncio.gather(*(self._generation(tenant, user, scopes[i]) for i in missing))
            for i, value in zip(missing, read, strict=True):
                values[i] = value
        return ".".join(value or "0" for value in values)

    async def invalidate(self, tenant: str, user: str, scopes: Sequence[str] | None = None) -> None:
        """After one of the user's writes: their answers, and their cached reads in `scopes` (all when None)."""
        targets = dict.fromkeys([ANSWERS, *(scopes if scopes is not None else [ALL])])
        self.stats.invalidations += 1
        await asyncio.gather(*(self._bump(tenant, user, scope) for scope in targets))

    async def get(self, key: str) -> CacheHit | None:
        entry = self._l2.get(key)
        if entry is not None:
            self.stats.memory_hits += 1
            return CacheHit(entry[0], "memory")
        value = await self._l1(self.shared.get(key), key)
        if value is None:
            self.stats.misses += 1
            return None
        self.stats.shared_hits += 1
        self._put_l2(key, value, self._l2_max_ttl_s)
        return CacheHit(value, "shared")

    async def set(self, key: str, value: bytes, ttl_s: float) -> None:
        if ttl_s <= 0:
            return
        self._put_l2(key, value, ttl_s)
        await self._l1(self.shared.set(key, value, ttl_s), key)

    async def delete(self, key: str) -> None:
        self._l2.pop(key, None)
        await self._l1(self.shared.delete(key), key)

    async def _generation(self, tenant: str, user: str, scope: str) -> str:
        key = _generation_key(tenant, user, scope)
        entry = self._l2.get(key)
        if entry is not None:
            return entry[0].decode()
        ok, value = await self._l1_try(self.shared.get(key), key)
        if ok:
            generation = value.decode() if value else "0"
            self._known_generations[key] = generation
        else:
            generation = self._known_generations.get(key, "0")
        self._l2[key] = (generation.encode(), time.monotonic() + self._generation_ttl_s)
        return generation

    async def _bump(self, tenant: str, user: str, scope: str) -> None:
        key = _generation_key(tenant, user, scope)
        generation = secrets.token_hex(8)
        self._known_generations[key] = generation
        self._l2[key] = (generation.encode(), time.monotonic() + self._generation_ttl_s)
        await self._l1(self.shared.set(key, generation.encode(), self._generation_max_age_s), key)

    def _put_l2(self, key: str, value: bytes, ttl_s: float) -> None:
        self._l2[key] = (value, time.monotonic() + min(ttl_s, self._l2_max_ttl_s))

    async def _l1(self, op: Awaitable[T], key: str) -> T | None:
        return (await self._l1_try(op, key))[1]

    async def _l1_try(self, op: Awaitable[T], key: str) -> tuple[bool, T | None]:
        """(True, result) when L1 answered; (False, None) when it failed, timed out or is skipped."""
        if not self._breaker.allow():
            self.stats.l1_skipped += 1
            if asyncio.iscoroutine(op):
                op.close()  # never awaited: the store is not asked while the circuit is open
            return False, None
        try:
            async with asyncio.timeout(self._l1_timeout_s):
                result = await op
        except asyncio.CancelledError:
            self._breaker.abandon()
            raise
        except Exception as exc:
            self.stats.l1_errors += 1
            was_closed = self._breaker.state == "closed"
            self._breaker.failure()
            logger.warning(
                "shared cache unavailable: %r", exc, extra={"event_type": "cache_l1_error", "cache_key": key}
            )
            if was_closed and self._breaker.state == "open":
                logger.error(
                    "shared cache skipped for %.1f s after repeated failures", self._breaker.cooldown_s,
                    extra={"event_type": "cache_l1_circuit_open"},
                )  # fmt: skip
            return False, None
        self._breaker.success()
        return True, result


@lru_cache(maxsize=8192)
def _generation_key(tenant: str, user: str, scope: str) -> str:
    """Remembered for the users seen lately: read on every request, it never changes."""
    return scoped_key("generation", tenant=tenant, user=user, parts=(scope,))
