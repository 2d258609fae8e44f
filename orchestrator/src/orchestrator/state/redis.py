"""Redis KV store (`redis.asyncio`): native TTLs, one connection pool per instance.

Keys are stored as `<prefix>:<key>` so one Redis can serve several deployments (or other
applications) without collisions. Redis expires entries itself, to the millisecond.
"""

from __future__ import annotations

import math

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff


class RedisKVStore:
    """A `KVStore` on one Redis database (`redis://`, `rediss://` or `unix://` URL)."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "orch",
        timeout_s: float = 1.0,
        max_connections: int = 100,
    ) -> None:
        self.prefix = prefix
        # No client-side retries: the caller decides (the cache treats a failure as a miss at once).
        self._redis = Redis.from_url(
            url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            retry=Retry(NoBackoff(), 0),
            max_connections=max_connections,
            health_check_interval=30,
        )

    async def get(self, key: str) -> bytes | None:
        value = await self._redis.get(self._key(key))
        if value is None:
            return None
        return value if isinstance(value, bytes) else str(value).encode()

    async def set(self, key: str, value: bytes, ttl_s: float | None = None) -> None:
        if ttl_s is None:
            await self._redis.set(self._key(key), value)
        else:
            await self._redis.set(self._key(key), value, px=max(1, math.ceil(ttl_s * 1000)))

    async def add(self, key: str, value: bytes, ttl_s: float | None = None) -> bool:
        """`SET key value NX [PX ttl]`: Redis stores it only if the key is absent (expired keys are)."""
        px = None if ttl_s is None else max(1, math.ceil(ttl_s * 1000))
        return bool(await self._redis.set(self._key(key), value, px=px, nx=True))

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._key(key))

    async def ping(self) -> bool:
        return bool(await self._redis.ping())

    async def close(self) -> None:
        await self._redis.aclose()

    def _key(self, key: str) -> str:
        return f"{self.prefix}:{key}"
