"""The async key-value protocol that caches and sessions sit on, and how keys are scoped."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Protocol


class KVStore(Protocol):
    """A shared key-value store with per-entry TTL (memory, SQLite, Redis, Firestore)."""

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl_s: float | None = None) -> None: ...

    async def add(self, key: str, value: bytes, ttl_s: float | None = None) -> bool:
        """Set `key` only if it is absent (an expired entry counts as absent), atomically across every
        instance sharing the store: True when this call stored it, False when an entry was there."""
        ...

    async def delete(self, key: str) -> None: ...

    async def close(self) -> None: ...


def scoped_key(namespace: str, *, tenant: str, user: str | None, parts: tuple[str, ...]) -> str:
    """A key that names its tenant and user, so one user's entry can never match another's.

    The user's email is hashed: keys end up in logs and shared stores, emails should not.
    """
    user_part = _user_digest(user) if user else "-"
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
    return f"{namespace}:{tenant}:{user_part}:{digest}"


@lru_cache(maxsize=4096)
def _user_digest(user: str) -> str:
    """The user's part of a key, remembered for the users seen lately (two keys or more per request)."""
    return hashlib.sha256(user.strip().lower().encode()).hexdigest()[:32]
