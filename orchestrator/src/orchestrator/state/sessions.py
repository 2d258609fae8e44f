"""Conversation sessions on the shared KV store, with a TTL refreshed on every turn.

A session belongs to one user of one tenant: its key is scoped like every cache key, so a
session id sent by another user (guessed, leaked or replayed) opens that user's own, separate
session and never reads the owner's cart or pending confirmation.

A store that fails is a retryable `SERVICE_UNAVAILABLE` for the turn, never an empty session in
place of the stored one. Failing to load, the turn has done nothing, and the stored session is
untouched. Failing to save, the turn's changes to the session may be lost, but what it did
elsewhere is not: a turn that called a tool that writes (to place an order…) notes its reply on
the session (`Session.note_write`), and the error repeats that reply, so the user still learns
how the write went.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr, ValidationError

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.security.caller import Caller
from orchestrator.state.base import KVStore, scoped_key

logger = logging.getLogger(__name__)

NOT_LOADED = (
    "Your conversation could not be opened: its store is not answering. Nothing was done and nothing "
    "is lost; send your message again in a moment."
)
NOT_SAVED = (
    "Your conversation could not be saved: its store is not answering, so your last message may not have "
    "been kept. Nothing else was changed; try again in a moment."
)
NOT_SAVED_AFTER_WRITE = (
    "{reply}\n\n(This conversation could not be saved: its store is not answering, so my next reply may "
    "not know about this.)"
)

SESSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")


class Session(BaseModel):
    """A conversation of one user of one tenant. `data` is the conversation plug-in's own state (a
    cart, a pending confirmation…): the store keeps it, only the plug-in reads it."""

    session_id: str
    tenant: str
    user: str
    channel: str
    data: dict[str, Any] = Field(default_factory=dict)
    turns: int = 0
    created_at: datetime
    updated_at: datetime
    _write_reply: str | None = PrivateAttr(default=None)

    def note_write(self, reply: str) -> None:
        """This turn called a tool that writes, and `reply` tells the user how it went (never stored)."""
        self._write_reply = reply

    @property
    def write_reply(self) -> str | None:
        """The reply of this turn's write (`note_write`); None when the turn wrote nothing."""
        return self._write_reply


class SessionStore:
    """Loads and saves sessions; the TTL restarts at every save."""

    def __init__(self, store: KVStore, *, ttl_s: float = 24 * 3600) -> None:
        self.store = store
        self.ttl_s = ttl_s

    async def load(self, session_id: str | None, caller: Caller, channel: str) -> Session:
        """The caller's session `session_id`, or a new one (a new id when none was given)."""
        if session_id is not None and not SESSION_ID.match(session_id):
            raise ServiceError(ErrorCode.INVALID_REQUEST, "session_id: 8-128 letters, digits or _.:-")
        session_id = session_id or f"s-{secrets.token_urlsafe(18)}"
        raw = await self._get(self._key(session_id, caller))
        if raw is not None:
            try:
                session = Session.model_validate_json(raw)
            except ValidationError:
                logger.warning("unreadable session replaced", extra={"event_type": "session_corrupt"})
            else:
                if session.tenant == caller.tenant and session.user == caller.user:
                    return session
        now = datetime.now(UTC)
        return Session(
            session_id=session_id,
            tenant=caller.tenant,
            user=caller.user,
            channel=channel,
            created_at=now,
            updated_at=now,
        )

    async def save(self, session: Session, caller: Caller) -> None:
        session.updated_at = datetime.now(UTC)
        key = self._key(session.session_id, caller)
        try:
            await self.store.set(key, session.model_dump_json().encode(), self.ttl_s)
        except Exception as exc:
            wrote = session.write_reply
            extra = {"event_type": "session_save_failed", "after_write": wrote is not None}
            logger.error("session not saved: %r", exc, extra=extra)
            message = NOT_SAVED_AFTER_WRITE.format(reply=wrote) if wrote is not None else NOT_SAVED
            raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, message) from exc

    async def _get(self, key: str) -> bytes | None:
        try:
            return await self.store.get(key)
        except Exception as exc:
            logger.error("session not loaded: %r", exc, extra={"event_type": "session_load_failed"})
            raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, NOT_LOADED) from exc

    @staticmethod
    def _key(session_id: str, caller: Caller) -> str:
        return scoped_key("session", tenant=caller.tenant, user=caller.user, parts=(session_id,))
