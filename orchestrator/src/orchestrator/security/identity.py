"""Identity: who a request acts for, decided in one place for every entry point.

`Callers.resolve(credentials)` turns what a request carries into its `Caller` (email, tenant, the
tools it may use, how it was established):

- `Authorization: Bearer <token>`: an API key (`mok_…`, `security/keys.py`), a key of
  `ORCH_MCP_API_KEYS` (on `/mcp`), or an OIDC ID token of a configured issuer (`security/tokens.py`).
  A body email (or, on `/mcp`, an `X-User-Email` header) that names someone else is FORBIDDEN,
  never silently replaced, unless an API key with `act_for_users` names that user of its tenant.
- No token, `ORCH_MODE=development`: the user the request names is trusted (the body's email on
  `/query` and `/orchestrate`, `X-User-Email` on `/mcp`); with `ORCH_MCP_API_KEYS` set `/mcp`
  still requires a token. A request naming nobody has no caller (an MCP listing needs none).
- No token, `ORCH_MODE=production`: UNAUTHENTICATED.

The tenant comes with the credential (the token's tenant claim, the key's tenant), else
`ORCH_TENANT`; the tools a caller may use are the key's patterns, else the tenant's policy, else
`ORCH_ALLOWED_TOOLS`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import TypeAdapter, ValidationError

from mcp_common.emails import Email
from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.security.caller import Caller
from orchestrator.security.keys import ApiKey, ApiKeyStore, looks_like_key
from orchestrator.security.tokens import TokenVerifier
from orchestrator.settings import McpKey, Settings

USER_HEADER = "x-user-email"
_EMAIL: TypeAdapter[str] = TypeAdapter(Email)


@dataclass(frozen=True)
class Credentials:
    """What a request carries about its sender: the entry point, headers (lower-case names) and
    the user it names (body email or `X-User-Email`)."""

    entry: Literal["query", "orchestrate", "mcp"]
    headers: Mapping[str, str] = field(default_factory=dict)
    claimed_email: str | None = None


@dataclass(frozen=True)
class _Authenticated:
    email: str
    tenant: str
    via: str
    key: ApiKey | None = None
    allowed_tools: tuple[str, ...] | None = None


class Callers:
    """Resolves callers for one deployment's settings."""

    def __init__(
        self, settings: Settings, *, tokens: TokenVerifier | None = None, keys: ApiKeyStore | None = None
    ) -> None:
        self.mode = settings.mode
        self.tenant = settings.tenant
        self.allowed_tools = tuple(settings.allowed_tools)
        self.tenants = settings.tenants
        self.mcp_keys: Mapping[str, McpKey] = settings.mcp_api_keys
        self.tokens = tokens
        self.keys = keys

    @property
    def bearer_required(self) -> bool:
        """Whether callers must present a bearer token (`/mcp` with static keys, or production)."""
        return self.mode == "production" or bool(self.mcp_keys)

    async def resolve(self, credentials: Credentials) -> Caller | None:
        """The caller the credentials name, None when they name nobody; `ServiceError` UNAUTHENTICATED for
        missing or invalid credentials, FORBIDDEN for a request naming another user than its credential."""
        token = _bearer(credentials.headers)
        claimed = self._claimed(credentials)
        if token is None:
            if self.mode == "production" or (credentials.entry == "mcp" and self.mcp_keys):
                raise ServiceError(ErrorCode.UNAUTHENTICATED, "a bearer token is required")
            if not claimed:
                return None
            return Caller(email=claimed, tenant=self.tenant, allowed_tools=self._tools_of(self.tenant))
        known = await self._authenticate(token, credentials.entry)
        email, key_id = known.email, None
        if known.key is not None:
            key_id = known.key.id
            if known.key.act_for_users and claimed:
                email = claimed
        if claimed and claimed != email:
            raise ServiceError(ErrorCode.FORBIDDEN, "the request names another user than the one authenticated")
        tools = known.allowed_tools or self._tools_of(known.tenant)
        return Caller(email=email, tenant=known.tenant, allowed_tools=tools, via=known.via, key_id=key_id)

    def linked(self, email: str, tenant: str, *, via: str) -> Caller:
        """The caller a channel sender linked to `email` in `tenant` acts as (`via` says which channel):
        the same tools and tenant scope as that user calling the API."""
        return Caller(email=email.strip().lower(), tenant=tenant, allowed_tools=self._tools_of(tenant), via=via)

    def anonymous(self) -> Caller:
        """Nobody in particular: what a caller-less MCP listing may see."""
        return Caller(email="", tenant=self.tenant, allowed_tools=self.allowed_tools)

    def _tools_of(self, tenant: str) -> tuple[str, ...]:
        policy = self.tenants.get(tenant)
        return tuple(policy.allowed_tools) if policy and policy.allowed_tools is not None else self.allowed_tools

    def _claimed(self, credentials: Credentials) -> str:
        email = (credentials.claimed_email or "").strip()
        if not email:
            return ""
        if credentials.entry != "mcp":  # a body's email was validated with the request model (Email)
            return email.lower()
        try:
            return str(_EMAIL.validate_python(email)).strip().lower()
        except ValidationError:
            if credentials.entry == "mcp":
                raise ServiceError(
                    ErrorCode.UNAUTHENTICATED, "the X-User-Email header is not an email address"
                ) from None
            raise ServiceError(ErrorCode.INVALID_REQUEST, "email: not an email address") from None

    async def _authenticate(self, token: str, entry: str) -> _Authenticated:
        if looks_like_key(token) and self.keys is not None:
            key = await self.keys.find(token)
            if key is None:
                raise ServiceError(ErrorCode.UNAUTHENTICATED, "the API key is not valid")
            if entry not in key.entries:
                raise ServiceError(ErrorCode.FORBIDDEN, f"this API key may not call {entry}")
            tools = tuple(key.allowed_tools) if key.allowed_tools is not None else None
            return _Authenticated(str(key.email).lower(), key.tenant, "key", key, tools)
        static = self.mcp_keys.get(hashlib.sha256(token.encode()).hexdigest()) if entry == "mcp" else None
        if static is not None:
            tools = tuple(static.allowed_tools) if static.allowed_tools is not None else None
            return _Authenticated(str(static.email).lower(), self.tenant, "mcp-key", None, tools)
        if self.tokens is not None and self.tokens.enabled and not looks_like_key(token):
            verified = await self.tokens.verify(token)
            return _Authenticated(verified.email, verified.tenant or self.tenant, f"token:{verified.issuer}")
        raise ServiceError(ErrorCode.UNAUTHENTICATED, "the bearer token is not valid")


def _bearer(headers: Mapping[str, str]) -> str | None:
    """The bearer token, None without an Authorization header; UNAUTHENTICATED for another scheme."""
    value = headers.get("authorization")
    if value is None:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ServiceError(ErrorCode.UNAUTHENTICATED, "a bearer token is required")
    return token.strip()
