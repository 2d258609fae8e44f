"""Identity: who a request acts for, decided in one place for every entry point.

`Callers.resolve(credentials)` turns what a request carries into its `Caller` (email, tenant, the
tools it may use). Today:

- `/query`, `/orchestrate`: the user the body names (`email`, `user.email`), trusted as it is;
- `/mcp`: with `ORCH_MCP_API_KEYS` set, the bearer token names the caller (its key's email and
  allowlist), and a missing or unknown token is UNAUTHENTICATED; without keys (development), the
  `X-User-Email` header names the caller, and a request naming nobody has no caller (listing
  tools needs none, calling them does).

The tenant and the default allowlist come from the deployment's settings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import EmailStr, TypeAdapter, ValidationError

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.security.caller import Caller
from orchestrator.settings import McpKey, Settings

USER_HEADER = "x-user-email"
_EMAIL = TypeAdapter(EmailStr)


@dataclass(frozen=True)
class Credentials:
    """What a request carries about its sender: headers (lower-case names) and the user it names."""

    entry: Literal["http", "mcp"]
    headers: Mapping[str, str] = field(default_factory=dict)
    claimed_email: str | None = None


class Callers:
    """Resolves callers for one deployment's settings."""

    def __init__(self, settings: Settings) -> None:
        self.tenant = settings.tenant
        self.allowed_tools = tuple(settings.allowed_tools)
        self.mcp_keys: Mapping[str, McpKey] = settings.mcp_api_keys

    @property
    def bearer_required(self) -> bool:
        """Whether `/mcp` callers must present a bearer token."""
        return bool(self.mcp_keys)

    def resolve(self, credentials: Credentials) -> Caller | None:
        """The caller the credentials name, None when they name nobody; `ServiceError` (UNAUTHENTICATED)
        for credentials that are present but not valid."""
        if credentials.entry == "mcp" and self.mcp_keys:
            return self._keyed(credentials.headers)
        email = (credentials.claimed_email or "").strip()
        if not email:
            return None
        if credentials.entry == "mcp":
            try:
                email = str(_EMAIL.validate_python(email))
            except ValidationError:
                raise ServiceError(
                    ErrorCode.UNAUTHENTICATED, "the X-User-Email header is not an email address"
                ) from None
        return Caller(email=email, tenant=self.tenant, allowed_tools=self.allowed_tools)

    def anonymous(self) -> Caller:
        """Nobody in particular: what a caller-less MCP listing may see."""
        return Caller(email="", tenant=self.tenant, allowed_tools=self.allowed_tools)

    def _keyed(self, headers: Mapping[str, str]) -> Caller:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ServiceError(ErrorCode.UNAUTHENTICATED, "a bearer token is required")
        key = self.mcp_keys.get(hashlib.sha256(token.strip().encode()).hexdigest())
        if key is None:
            raise ServiceError(ErrorCode.UNAUTHENTICATED, "the bearer token is not valid")
        patterns = tuple(key.allowed_tools) if key.allowed_tools is not None else self.allowed_tools
        return Caller(email=str(key.email), tenant=self.tenant, allowed_tools=patterns)
