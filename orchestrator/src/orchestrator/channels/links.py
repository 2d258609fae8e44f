"""Which account a channel sender (a phone number, a webhook sender id) acts for, and how it gets linked.

An authenticated user asks for a one-time code (`LinkStore.issue`); the sender texts `link <code>`
(`LinkStore.redeem`) and from then on acts as that user, in that tenant only. Codes are single-use
(a redemption claims the code with the store's atomic `add`, so of two senders redeeming one code at
once on any instances exactly one is linked; a new code never replaces a live one) and expire; a
sender gets `max_attempts` wrong codes per `attempt_window_s`, then is locked out for the rest of
the window. Everything lives in the deployment's KV store (keys scoped by tenant, the
sender's address hashed), so every instance sees the same links.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from orchestrator.state.base import KVStore, scoped_key

CODE_DIGITS = 8
_ISSUE_TRIES = 5


@dataclass(frozen=True)
class Sender:
    """Who sent a channel message: the tenant it reached, the channel (`sms`, `whatsapp`,
    `webhook:<integration>`) and the sender's address on it."""

    tenant: str
    channel: str
    address: str

    def key(self, namespace: str) -> str:
        """A store key of this sender's (the address is hashed, never stored in a key)."""
        return scoped_key(namespace, tenant=self.tenant, user=None, parts=(self.channel, self.address))


class Redeemed(Enum):
    LINKED = "linked"
    INVALID = "invalid"
    LOCKED = "locked"


@dataclass(frozen=True)
class Redemption:
    outcome: Redeemed
    email: str | None = None


class LinkStore:
    """Link codes, links and failed attempts on the KV store."""

    def __init__(
        self, store: KVStore, *, code_ttl_s: float = 600.0, max_attempts: int = 5, attempt_window_s: float = 900.0
    ) -> None:
        self.store = store
        self.code_ttl_s = code_ttl_s
        self.max_attempts = max_attempts
        self.attempt_window_s = attempt_window_s

    async def issue(self, *, email: str, tenant: str) -> str:
        """A new one-time code that links a sender of `tenant` to `email`."""
        record = json.dumps({"email": email, "tenant": tenant, "id": secrets.token_hex(8)}).encode()
        for _ in range(_ISSUE_TRIES):
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            if await self.store.add(_code_key(tenant, code), record, self.code_ttl_s):
                return code
        raise RuntimeError("no free link code after several tries")

    async def redeem(self, sender: Sender, code: str) -> Redemption:
        """Link `sender` with `code` (used up); INVALID for an unknown or expired code, LOCKED past the attempts."""
        failures = await self._failures(sender)
        if failures >= self.max_attempts:
            return Redemption(Redeemed.LOCKED)
        key = _code_key(sender.tenant, code)
        raw = await self.store.get(key)
        record = json.loads(raw) if raw else None
        if (
            record is None
            or record.get("tenant") != sender.tenant
            or not await self._claim(sender.tenant, code, record)
        ):
            await self.store.set(sender.key("channel-link-failures"), str(failures + 1).encode(), self.attempt_window_s)
            return Redemption(Redeemed.INVALID)
        await self.store.delete(key)
        email = str(record["email"])
        linked = {"email": email, "linked_at": datetime.now(UTC).isoformat()}
        await self.store.set(sender.key("channel-link"), json.dumps(linked).encode())
        await self.store.delete(sender.key("channel-link-failures"))
        return Redemption(Redeemed.LINKED, email)

    async def find(self, sender: Sender) -> str | None:
        """The email `sender` is linked to, None when it is not linked (in this tenant)."""
        raw = await self.store.get(sender.key("channel-link"))
        return str(json.loads(raw)["email"]) if raw else None

    async def unlink(self, sender: Sender) -> None:
        await self.store.delete(sender.key("channel-link"))

    async def _claim(self, tenant: str, code: str, record: dict[str, object]) -> bool:
        """The first redemption of this issue of the code wins; a concurrent one finds it used."""
        used = scoped_key("channel-link-redeemed", tenant=tenant, user=None, parts=(code, str(record.get("id", ""))))
        return await self.store.add(used, b"1", self.code_ttl_s)

    async def _failures(self, sender: Sender) -> int:
        raw = await self.store.get(sender.key("channel-link-failures"))
        return int(raw) if raw else 0


def _code_key(tenant: str, code: str) -> str:
    return scoped_key("channel-link-code", tenant=tenant, user=None, parts=(code,))
