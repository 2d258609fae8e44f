"""Caller: the identity a request acts for. Tool arguments that name a person are bound to it."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase


@dataclass(frozen=True)
class Caller:
    """The end user, their tenant and the tools they may use.

    `allowed_tools` holds `service.tool` patterns (`*` wildcards). `via` says how the caller was
    established (`development`: the request named them; `token:<issuer>`; `key`), and `key_id`
    the API key that acted for them, if any (logged, never part of a cache key).
    """

    email: str
    tenant: str = "default"
    allowed_tools: tuple[str, ...] = ("*",)
    via: str = "development"
    key_id: str | None = None

    @property
    def user(self) -> str:
        return self.email.strip().lower()

    def may_use(self, tool: str) -> bool:
        """Whether `tool` (namespaced `service.tool`) matches one of the caller's patterns."""
        return any(fnmatchcase(tool, pattern) for pattern in self.allowed_tools)

    @property
    def allowlist_key(self) -> str:
        """The allowlist as one string, for cache keys whose content depends on it."""
        return "|".join(sorted(self.allowed_tools))
