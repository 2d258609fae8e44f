"""In-process KV store: for tests and single-instance runs that need no persistence.

Bounded: it holds at most `max_entries` entries and `max_bytes` bytes of keys and values. An entry
read or written becomes the most recently used; a write that takes the store over either bound
evicts the least recently used entries until it fits again (so a value larger than `max_bytes` is
not kept at all). Expired entries are dropped when read, and each write also drops the expired
entries at the least recently used end, so entries nobody reads again do not wait for the bound.

An evicted entry is a miss: a cached answer or tool result is computed again, a cache generation
reads as its initial value, and a conversation session evicted before its TTL starts over (this
backend is for one process and development; deployments use `sqlite`, `redis` or `firestore`).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

DEFAULT_MAX_ENTRIES = 10_000
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
_SWEEP = 8
"""Expired entries at the least recently used end dropped by one write at most."""


class MemoryKVStore:
    """A dict with expiry times in least-recently-used order, bounded in entries and bytes."""

    def __init__(
        self,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_bytes: int = DEFAULT_MAX_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("a memory store holds at least one entry and one byte")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._clock = clock
        self._data: OrderedDict[str, tuple[bytes, float | None]] = OrderedDict()
        self._bytes = 0
        self.evicted = 0
        """Entries dropped to stay within the bounds (expired entries are not counted)."""

    def __len__(self) -> int:
        return len(self._data)

    @property
    def nbytes(self) -> int:
        """Bytes of the keys and values held (what `max_bytes` bounds)."""
        return self._bytes

    async def get(self, key: str) -> bytes | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        value, expires_at = entry
        if expires_at is not None and expires_at <= self._clock():
            self._drop(key)
            return None
        self._data.move_to_end(key)
        return value

    async def set(self, key: str, value: bytes, ttl_s: float | None = None) -> None:
        self._store(key, value, ttl_s)

    def _store(self, key: str, value: bytes, ttl_s: float | None) -> None:
        now = self._clock()
        self._drop(key)
        self._data[key] = (value, now + ttl_s if ttl_s is not None else None)
        self._bytes += _size(key, value)
        self._sweep(now)
        while self._data and (len(self._data) > self.max_entries or self._bytes > self.max_bytes):
            oldest, (old_value, _) = self._data.popitem(last=False)
            self._bytes -= _size(oldest, old_value)
            self.evicted += 1

    async def add(self, key: str, value: bytes, ttl_s: float | None = None) -> bool:
        # Nothing here suspends between the check and the write: atomic under the event loop.
        entry = self._data.get(key)
        if entry is not None and (entry[1] is None or entry[1] > self._clock()):
            self._data.move_to_end(key)
            return False
        self._store(key, value, ttl_s)
        return True

    async def delete(self, key: str) -> None:
        self._drop(key)

    async def close(self) -> None:
        self._data.clear()
        self._bytes = 0

    def _drop(self, key: str) -> None:
        entry = self._data.pop(key, None)
        if entry is not None:
            self._bytes -= _size(key, entry[0])

    def _sweep(self, now: float) -> None:
        for _ in range(_SWEEP):
            oldest = next(iter(self._data), None)
            if oldest is None:
                return
            expires_at = self._data[oldest][1]
            if expires_at is None or expires_at > now:
                return
            self._drop(oldest)


def _size(key: str, value: bytes) -> int:
    return len(key) + len(value)
