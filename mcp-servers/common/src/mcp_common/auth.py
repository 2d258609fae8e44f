"""Service-to-service authentication: Google ID tokens for private Cloud Run services.

On Cloud Run the MCP services accept only authenticated calls (`--no-allow-unauthenticated`);
a caller proves who it is with a Google-signed ID token whose audience is the service's URL,
sent as `Authorization: Bearer <token>`. `IdTokens` gets one per audience from the runtime
service account (google-auth: the metadata server on Cloud Run, or a service-account key file
named by `GOOGLE_APPLICATION_CREDENTIALS`), keeps it until shortly before it expires, and
refreshes it once for all concurrent callers.

`SERVICE_AUTH` settings: `id-token` always, `none` never, `auto` (default) when running on
Cloud Run (the `K_SERVICE` variable is set).
"""

from __future__ import annotations

import asyncio
import datetime
import os
from collections.abc import Callable
from typing import Literal
from urllib.parse import urlsplit

from mcp_common.errors import ErrorCode, ServiceError

ServiceAuth = Literal["auto", "none", "id-token"]
Fetch = Callable[[str], tuple[str, datetime.datetime]]


def wants_id_tokens(mode: ServiceAuth) -> bool:
    """Whether calls to other services carry ID tokens under `mode`."""
    return mode == "id-token" or (mode == "auto" and bool(os.environ.get("K_SERVICE")))


def audience_of(url: str) -> str:
    """The audience Cloud Run expects: the service URL without path (`https://name-hash.a.run.app`)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class IdTokens:
    """Bearer headers with Google ID tokens, one token per audience, refreshed before expiry."""

    def __init__(self, *, fetch: Fetch | None = None, margin_s: float = 300.0) -> None:
        self._fetch = fetch or _fetch_with_google_auth
        self._margin = datetime.timedelta(seconds=margin_s)
        self._tokens: dict[str, tuple[str, datetime.datetime]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def headers(self, url: str) -> dict[str, str]:
        """`{"Authorization": "Bearer …"}` for calls to `url`; `ServiceError` (retryable) when no token can be had."""
        return {"Authorization": f"Bearer {await self.token(audience_of(url))}"}

    async def token(self, audience: str) -> str:
        cached = self._tokens.get(audience)
        if cached and cached[1] - self._margin > _now():
            return cached[0]
        async with self._locks.setdefault(audience, asyncio.Lock()):
            cached = self._tokens.get(audience)
            if cached and cached[1] - self._margin > _now():
                return cached[0]
            try:
                token, expiry = await asyncio.to_thread(self._fetch, audience)
            except Exception as exc:
                raise ServiceError(
                    ErrorCode.SERVICE_UNAVAILABLE,
                    f"no identity token for {audience}: {type(exc).__name__} (is a service account available?)",
                ) from exc
            self._tokens[audience] = (token, expiry)
            return token


def _fetch_with_google_auth(audience: str) -> tuple[str, datetime.datetime]:
    import google.auth.transport.requests
    import google.oauth2.id_token

    request = google.auth.transport.requests.Request()
    credentials = google.oauth2.id_token.fetch_id_token_credentials(audience, request=request)  # type: ignore[no-untyped-call]
    credentials.refresh(request)
    expiry = credentials.expiry or (_now() + datetime.timedelta(minutes=10))
    if expiry.tzinfo is None:  # google-auth reports naive UTC
        expiry = expiry.replace(tzinfo=datetime.UTC)
    return str(credentials.token), expiry


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)
