"""One channel message → one conversation turn, for a linked sender; link commands and prompts otherwise.

`ChannelTurns.converse` is what every channel adapter calls once it has verified the platform's
signature and knows the sender: it answers `link <code>` and `unlink` itself, gives an unlinked
sender the linking prompt and nothing else, and otherwise runs the message through `Engine.handle`
as the linked user (the same `Caller` the API would build, in the sender's tenant), in one
conversation per sender. A bare number picks one of the previous reply's choices.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from orchestrator.channels.links import LinkStore, Redeemed, Sender
from orchestrator.channels.text import pick
from orchestrator.core.engine import Engine
from orchestrator.core.requests import Message
from orchestrator.core.results import Answer
from orchestrator.security.identity import Callers
from orchestrator.security.limits import RateLimits
from orchestrator.state.base import KVStore

_LINK = re.compile(r"^\s*link\s+([0-9][0-9 -]{5,14})\s*$", re.IGNORECASE)
_UNLINK = re.compile(r"^\s*unlink\s*$", re.IGNORECASE)

PROMPT = "This {what} is not linked to an account yet. Sign in to the app, ask for a link code, then send: link <code>"
LINKED = "Linked to {email}. You can order now: try “show me the menu”."
INVALID = "That code is not valid or has expired. Ask the app for a new one, then send: link <code>"
LOCKED = "Too many wrong codes. Try again later."
UNLINKED = "This {what} is no longer linked to an account."


@dataclass(frozen=True)
class Turn:
    """What to send back: the reply text, its numbered choices, and the engine's answer (None for
    link prompts and link commands, which carry no data)."""

    reply: str
    choices: list[str] = field(default_factory=list)
    answer: Answer | None = None
    intent: str = "link"


class ChannelTurns:
    """Runs channel messages over the engine (see the module docstring)."""

    def __init__(
        self,
        *,
        engine: Engine,
        callers: Callers,
        limits: RateLimits,
        links: LinkStore,
        store: KVStore,
        session_ttl_s: float,
    ) -> None:
        self.engine = engine
        self.callers = callers
        self.limits = limits
        self.links = links
        self.store = store
        self.session_ttl_s = session_ttl_s

    async def converse(self, sender: Sender, text: str, *, what: str = "number", session: str | None = None) -> Turn:
        """The turn for `text` from `sender` (`what` names the sender in prompts: number, sender…), in
        the sender's own conversation unless `session` names one (of the linked user's)."""
        text = text.strip()[:2000] or "help"
        if match := _LINK.match(text):
            return await self._link(sender, re.sub(r"\D", "", match.group(1)))
        email = await self.links.find(sender)
        if email is None:
            return Turn(PROMPT.format(what=what))
        if _UNLINK.match(text):
            await self.links.unlink(sender)
            return Turn(UNLINKED.format(what=what))
        caller = self.callers.linked(email, sender.tenant, via=f"channel:{sender.channel}")
        await self.limits.hit(tenant=caller.tenant, user=caller.user, key_id=None)
        choices_key = sender.key("channel-choices")
        text = pick(text, await self._choices(choices_key))
        channel = sender.channel.partition(":")[0]
        answer = await self.engine.handle(Message(text, channel, session or session_id(sender)), caller)
        await self.store.set(choices_key, json.dumps(answer.suggestions).encode(), self.session_ttl_s)
        return Turn(answer.answer, list(answer.suggestions), answer, answer.intent or "")

    async def _link(self, sender: Sender, code: str) -> Turn:
        redeemed = await self.links.redeem(sender, code)
        if redeemed.outcome is Redeemed.LINKED and redeemed.email is not None:
            return Turn(LINKED.format(email=_masked(redeemed.email)))
        return Turn(LOCKED if redeemed.outcome is Redeemed.LOCKED else INVALID)

    async def _choices(self, key: str) -> list[str]:
        raw = await self.store.get(key)
        return [str(choice) for choice in json.loads(raw)] if raw else []


def session_id(sender: Sender) -> str:
    """The one conversation of a sender (stable, opaque: the address is hashed)."""
    digest = hashlib.sha256("\x1f".join((sender.tenant, sender.channel, sender.address)).encode()).hexdigest()
    return f"ch-{digest[:40]}"


def _masked(email: str) -> str:
    """`a***@example.com`: enough for the owner to recognise, not a full address in an SMS log."""
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"
