"""Replay guards: a delivery id (Twilio's `MessageSid`, a webhook's `webhook-id`) is acted on once.

Seen ids live in the deployment's KV store with a TTL, so every instance agrees. A claim is the
store's atomic `add` (set if absent): of any number of deliveries of one id, on any number of
instances at once, exactly one is `new`; the others are `busy` (or `done`, with the stored reply).
Within one instance a delivery that arrives while the same id is being answered is told so without
a store round trip.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from orchestrator.state.base import KVStore, scoped_key

BUSY_TTL_S = 120.0
"""How long an id stays claimed while its turn runs (a crashed instance's claim expires)."""


@dataclass(frozen=True)
class Claim:
    """`new`: act on it (then `complete`); `done`: answered before (`reply` is the stored answer, if kept);
    `busy`: being answered right now."""

    state: Literal["new", "done", "busy"]
    reply: str | None = None


class ReplayGuard:
    """Seen delivery ids, scoped by tenant and source."""

    def __init__(self, store: KVStore, *, ttl_s: float = 24 * 3600.0) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self._running: set[str] = set()

    @staticmethod
    def key(tenant: str, source: str, delivery_id: str) -> str:
        return scoped_key("channel-seen", tenant=tenant, user=None, parts=(source, delivery_id))

    async def claim(self, key: str) -> Claim:
        """Claim a delivery id; see `Claim`."""
        if key in self._running:
            return Claim("busy")
        self._running.add(key)
        try:
            if await self.store.add(key, json.dumps({"done": False}).encode(), min(BUSY_TTL_S, self.ttl_s)):
                return Claim("new")
            raw = await self.store.get(key)
        except BaseException:
            self._running.discard(key)
            raise
        self._running.discard(key)
        # Gone since the `add` (a failed turn released it): still someone else's moment, retry later.
        record = json.loads(raw) if raw is not None else {}
        return Claim("done", record.get("reply")) if record.get("done") else Claim("busy")

    async def complete(self, key: str, reply: str | None = None) -> None:
        """Mark a claimed id answered, keeping `reply` to answer its replays with."""
        try:
            await self.store.set(key, json.dumps({"done": True, "reply": reply}).encode(), self.ttl_s)
        finally:
            self._running.discard(key)

    async def release(self, key: str) -> None:
        """Forget a claim whose turn failed before anything was done, so a retry is answered."""
        try:
            await self.store.delete(key)
        finally:
            self._running.discard(key)
