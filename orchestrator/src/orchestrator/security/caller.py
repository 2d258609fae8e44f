"""Caller: the identity a request acts for. Tool arguments that name a person are bound to it."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase


@dataclass(frozen=True)
class Caller:
    """The end user, their tenant and the tools they may use.

    Identity comes from the request's email while authentication is off; `allowed_tools` holds
    `service.tool` patterns (`*` wildcards) from the deployment's settings.
    """

    email: str
    tenant: str = "default"
    allowed_tools: tuple[str, ...] = ("*",)

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
