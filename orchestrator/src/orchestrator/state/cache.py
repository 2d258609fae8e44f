"""TieredCache: L2 in-process memory in front of L1, the shared KV store.

A read tries L2, then L1 (and fills L2 from it). A write goes to both. L1 failures and slow
L1 calls never fail a request: they are logged, counted, and the call proceeds as a miss.

Invalidation is per user and O(1): every cached read of a user carries the user's *generation*
in its key (`user_generation`); a write tool that succeeds bumps it (`invalidate_user`), so
everything cached for that user before the write is never read again and simply expires. The
generation is read through L2 with a short TTL (`generation_ttl_s`): on this instance the bump is
seen at once; another instance sharing L1 sees it within that TTL.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Literal, TypeVar

from cachetools import TLRUCache

from orchestrator.state.base import KVStore, scoped_key

logger = logging.getLogger(__name__)

Layer = Literal["memory", "shared"]
T = TypeVar("T")


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
        generation_ttl_s: float = 1.0,
        generation_max_age_s: float = 7 * 24 * 3600,
    ) -> None:
        self.shared = shared
        self._l2: TLRUCache[str, tuple[bytes, float]] = TLRUCache(
            maxsize=l2_max_entries, ttu=lambda _k, v, _now: v[1], timer=time.monotonic
        )
        self._l2_max_ttl_s = l2_max_ttl_s
        self._l1_timeout_s = l1_timeout_s
        self._generation_ttl_s = generation_ttl_s
        self._generation_max_age_s = generation_max_age_s
        self.l1_errors = 0

    async def user_generation(self, tenant: str, user: str) -> str:
        """The user's current cache generation; part of every key of their cached reads."""
        key = _generation_key(tenant, user)
        entry = self._l2.get(key)
        if entry is not None:
            return entry[0].decode()
        value = await self._l1(self.shared.get(key), key)
        generation = value.decode() if value else "0"
        self._l2[key] = (generation.encode(), time.monotonic() + self._generation_ttl_s)
        return generation

    async def invalidate_user(self, tenant: str, user: str) -> None:
        """Make every cached read of this user unreachable (after one of their writes)."""
        key = _generation_key(tenant, user)
        generation = secrets.token_hex(8).encode()
        self._l2[key] = (generation, time.monotonic() + self._generation_ttl_s)
        await self._l1(self.shared.set(key, generation, self._generation_max_age_s), key)

    async def get(self, key: str) -> CacheHit | None:
        entry = self._l2.get(key)
        if entry is not None:
            return CacheHit(entry[0], "memory")
        value = await self._l1(self.shared.get(key), key)
        if value is None:
            return None
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

    def _put_l2(self, key: str, value: bytes, ttl_s: float) -> None:
        self._l2[key] = (value, time.monotonic() + min(ttl_s, self._l2_max_ttl_s))

    async def _l1(self, op: Awaitable[T], key: str) -> T | None:
        try:
            async with asyncio.timeout(self._l1_timeout_s):
                return await op
        except Exception as exc:
            self.l1_errors += 1
            logger.warning(
                "shared cache unavailable: %r", exc, extra={"event_type": "cache_l1_error", "cache_key": key}
            )
            return None


def _generation_key(tenant: str, user: str) -> str:
    return scoped_key("generation", tenant=tenant, user=user, parts=())
