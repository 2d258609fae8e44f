"""Firestore KV store (`google-cloud-firestore` `AsyncClient`): one document per key.

Layout: a collection per key namespace (`<prefix>_answer`, `<prefix>_tool`, `<prefix>_session`,
`<prefix>_generation`, …), the document id is the SHA-256 of the key (any key becomes a valid id
of fixed length), and each document holds `value` (bytes) and `expires_at` (a timestamp, absent
for entries without TTL).

Expiry is checked on every read: an expired document is a miss even while it still exists.
Firestore deletes expired documents only when a TTL policy is enabled on the `expires_at` field
of each collection group (see docs/state.md), and then within about a day; without a policy
they stay until overwritten. Reads never delete, so a read cannot race a fresh write of the same
key by another instance. Nothing here uses transactions: `add` is `document.create()`, which the
server refuses when the document exists; an expired document in the way is deleted on the
condition that it is still the one read (its `update_time`), and the create is tried once more.

After a call the client failed, the client is replaced (at most once a second): a gRPC channel whose
server went away reconnects with a growing backoff (up to minutes); a new channel connects at once.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from google.api_core.exceptions import AlreadyExists, FailedPrecondition
from google.api_core.retry_async import AsyncRetry
from google.cloud.firestore import AsyncClient
from google.cloud.firestore_v1.async_document import AsyncDocumentReference

T = TypeVar("T")
_NAMESPACE = re.compile(r"[^A-Za-z0-9_-]")


class FirestoreKVStore:
    """A `KVStore` on Firestore (Native mode); honours `FIRESTORE_EMULATOR_HOST`."""

    def __init__(
        self,
        *,
        project: str | None = None,
        database: str = "(default)",
        prefix: str = "orch",
        timeout_s: float = 2.0,
        client: AsyncClient | None = None,
    ) -> None:
        self.prefix = prefix
        self._timeout_s = timeout_s
        # One retry policy bounded by the call timeout: a slow Firestore is the caller's to judge.
        self._retry = AsyncRetry(initial=0.05, maximum=0.5, timeout=timeout_s)
        self._new_client: Callable[[], AsyncClient] = lambda: AsyncClient(project=project, database=database)
        self._client = client or self._new_client()
        self._replaced_at = 0.0

    async def get(self, key: str) -> bytes | None:
        snapshot = await self._call(self._document(key).get(retry=self._retry, timeout=self._timeout_s))
        if not snapshot.exists:
            return None
        data: dict[str, Any] = snapshot.to_dict() or {}
        if _expired(data):
            return None
        value = data.get("value")
        return bytes(value) if isinstance(value, bytes | bytearray) else None

    async def set(self, key: str, value: bytes, ttl_s: float | None = None) -> None:
        await self._call(self._document(key).set(_record(value, ttl_s), retry=self._retry, timeout=self._timeout_s))

    async def add(self, key: str, value: bytes, ttl_s: float | None = None) -> bool:
        document = self._document(key)
        for attempt in range(2):
            try:
                await self._call(document.create(_record(value, ttl_s), retry=self._retry, timeout=self._timeout_s))
                return True
            except AlreadyExists:
                if attempt:
                    return False
            snapshot = await self._call(document.get(retry=self._retry, timeout=self._timeout_s))
            if snapshot.exists and not _expired(snapshot.to_dict() or {}):
                return False
            if snapshot.exists:
                # Only the expired document read: a fresh one written meanwhile is not deleted.
                option = self._client.write_option(last_update_time=snapshot.update_time)
                try:
                    await self._call(document.delete(option=option, retry=self._retry, timeout=self._timeout_s))
                except FailedPrecondition:
                    return False
        return False

    async def delete(self, key: str) -> None:
        await self._call(self._document(key).delete(retry=self._retry, timeout=self._timeout_s))

    async def close(self) -> None:
        self._client.close()  # type: ignore[no-untyped-call]

    async def _call(self, op: Awaitable[T]) -> T:
        try:
            return await op
        except (AlreadyExists, FailedPrecondition):
            raise  # the server answered: a refused write, not a failed channel
        except Exception:
            # The client itself failed (unavailable, deadline): its channel may be stuck in reconnect
            # backoff. A call cancelled from outside (the cache's timeout) says nothing about the channel.
            self._reconnect()
            raise

    def _reconnect(self) -> None:
        now = time.monotonic()
        if now - self._replaced_at < 1.0:
            return
        self._replaced_at = now
        old, self._client = self._client, self._new_client()
        old.close()  # type: ignore[no-untyped-call]

    def collection_for(self, key: str) -> str:
        namespace = _NAMESPACE.sub("_", key.split(":", 1)[0])[:64] or "default"
        return f"{self.prefix}_{namespace}"

    def _document(self, key: str) -> AsyncDocumentReference:
        return self._client.collection(self.collection_for(key)).document(hashlib.sha256(key.encode()).hexdigest())


def _record(value: bytes, ttl_s: float | None) -> dict[str, Any]:
    document: dict[str, Any] = {"value": value}
    if ttl_s is not None:
        document["expires_at"] = datetime.now(UTC) + timedelta(seconds=ttl_s)
    return document


def _expired(data: dict[str, Any]) -> bool:
    expires_at = data.get("expires_at")
    return isinstance(expires_at, datetime) and expires_at <= datetime.now(UTC)
