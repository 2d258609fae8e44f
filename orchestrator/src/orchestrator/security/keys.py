"""API keys for server-to-server callers, kept in the shared store as digests only.

A key is `mok_<id>_<secret>`: `id` is public (listed, logged, revoked by), the whole string is
the secret and only its SHA-256 is stored. Each key is bound to a tenant, to the entry points it
may call (`query`, `orchestrate`, `mcp`), optionally to tool patterns, and either to one user
(its `email`) or, with `act_for_users`, to any user of its tenant named in the request (that user
is then the caller and the key is logged beside them).

All keys live in one record of the KV store (`apikeys:index`), read through a short in-memory
cache (`ORCH_API_KEY_CACHE_S`): a revoked key stops working within that time on every instance.
`orchestrator keys create|list|revoke` manage them.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, EmailStr, Field, TypeAdapter

from orchestrator.state.base import KVStore

Entry = Literal["query", "orchestrate", "mcp"]
ENTRIES: tuple[Entry, ...] = ("query", "orchestrate", "mcp")
PREFIX = "mok_"
INDEX_KEY = "apikeys:index"


class ApiKey(BaseModel):
    id: str
    digest: str = Field(description="SHA-256 hex of the whole secret.")
    tenant: str
    email: EmailStr = Field(description="Who the key acts as (the user named in requests with `act_for_users`).")
    entries: list[Entry]
    allowed_tools: list[str] | None = None
    act_for_users: bool = False
    label: str = ""
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


_INDEX = TypeAdapter(list[ApiKey])


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_key(token: str) -> bool:
    return token.startswith(PREFIX)


class ApiKeyStore:
    """Create, list, revoke and look up API keys in a KV store."""

    def __init__(self, store: KVStore, *, cache_s: float = 10.0) -> None:
        self.store = store
        self.cache_s = cache_s
        self._cached: dict[str, ApiKey] = {}
        self._read_at = float("-inf")
        self._lock = asyncio.Lock()

    async def create(
        self,
        *,
        tenant: str,
        email: str,
        entries: list[Entry],
        allowed_tools: list[str] | None = None,
        act_for_users: bool = False,
        label: str = "",
    ) -> tuple[ApiKey, str]:
        """A new key and its secret (shown once, never stored)."""
        key_id = secrets.token_hex(6)
        secret = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        key = ApiKey(
            id=key_id,
            digest=digest(secret),
            tenant=tenant,
            email=email,
            entries=sorted(set(entries)),
            allowed_tools=allowed_tools,
            act_for_users=act_for_users,
            label=label,
            created_at=datetime.now(UTC),
        )
        await self._save([*await self.all(), key])
        return key, secret

    async def all(self) -> list[ApiKey]:
        """Every key, revoked ones included (their digests only)."""
        raw = await self.store.get(INDEX_KEY)
        return _INDEX.validate_json(raw) if raw else []

    async def revoke(self, key_id: str) -> ApiKey | None:
        keys = await self.all()
        found = next((key for key in keys if key.id == key_id), None)
        if found is None:
            return None
        if found.active:
            found.revoked_at = datetime.now(UTC)
            await self._save(keys)
        return found

    async def find(self, secret: str) -> ApiKey | None:
        """The active key whose secret this is, or None."""
        if time.monotonic() - self._read_at >= self.cache_s:
            async with self._lock:
                if time.monotonic() - self._read_at >= self.cache_s:
                    self._cached = {key.digest: key for key in await self.all() if key.active}
                    self._read_at = time.monotonic()
        wanted = digest(secret)
        key = self._cached.get(wanted)
        return key if key is not None and hmac.compare_digest(key.digest, wanted) else None

    async def _save(self, keys: list[ApiKey]) -> None:
        await self.store.set(INDEX_KEY, _INDEX.dump_json(keys), None)
        self._read_at = float("-inf")
