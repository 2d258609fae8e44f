"""What the orchestrator shows browsers and abusers, as pure ASGI middleware (docs/security-surface.md).

Outermost first, inside the trace middleware:

- `SecurityHeadersMiddleware`: nosniff, no referrer, no framing, `no-store`, HSTS in production, no
  `server` header, on every response (refusals included);
- `HostMiddleware`: the Host header must match `ORCH_ALLOWED_HOSTS` on every route (DNS rebinding),
  else 421 with the error envelope;
- CORS (Starlette's): explicit origins and headers, loopback origins by default in development;
- `BodyLimitMiddleware`: at most `ORCH_MAX_BODY_BYTES` are read; a larger `Content-Length` is
  answered 413 before any byte is read, a longer chunked body 413 as soon as it passes the cap,
  and the rest is never read.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.api.errors import error_response
from orchestrator.settings import Settings

# Browser origins on this machine, any port: the development default of ORCH_CORS_ORIGINS.
LOOPBACK_ORIGINS = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?"
# Request headers a browser may send: what the API reads (the user header only in development).
CORS_HEADERS = ("content-type", "authorization", "traceparent", "mcp-protocol-version", "mcp-session-id")
DEV_CORS_HEADERS = ("x-user-email",)
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
MISDIRECTED = 421


def docs_enabled(settings: Settings) -> bool:
    """Whether /docs, /redoc and /openapi.json are served."""
    return settings.api_docs if settings.api_docs is not None else settings.mode == "development"


def install(app: FastAPI, settings: Settings) -> None:
    """Add the middleware of this module to `app` (each `add_middleware` wraps the ones added before)."""
    development = settings.mode == "development"
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_origin_regex=LOOPBACK_ORIGINS if development and not settings.cors_origins else None,
        allow_methods=["GET", "POST"],
        allow_headers=[*CORS_HEADERS, *(DEV_CORS_HEADERS if development else ())],
        allow_credentials=False,
        expose_headers=["x-trace-id", "retry-after", "mcp-session-id"],
        max_age=600,
    )
    app.add_middleware(HostMiddleware, allowed_hosts=settings.allowed_hosts)
    app.add_middleware(SecurityHeadersMiddleware, hsts=not development)


class PayloadTooLarge(HTTPException):
    """Raised from `receive` once the body passes the cap; the response is replaced by the 413 anyway."""

    def __init__(self) -> None:
        super().__init__(413, "the request body is too large")


class BodyLimitMiddleware:
    """Refuses bodies over `max_bytes` while reading them (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        exceeded = responded = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise PayloadTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal responded
            if exceeded and not responded:
                return  # whatever the app answers to the cut-off body, the answer is the 413
            responded = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded or responded:
                raise
        if exceeded and not responded:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = ServiceError(ErrorCode.PAYLOAD_TOO_LARGE, f"the request body is larger than {self.max_bytes} bytes")
        response = error_response(error, as_http_status=True)
        response.headers["connection"] = "close"  # the rest of the body is not read
        await response(scope, receive, send)


class HostMiddleware:
    """Answers 421 (error envelope) to a Host header that matches none of `allowed_hosts`.

    Patterns: `host:port`, `host:*` (any port, or none), `host` (any port), `*.domain` (subdomains),
    `*` (anything: behind a trusted front end such as Cloud Run's). Case-insensitive.
    """

    def __init__(self, app: ASGIApp, *, allowed_hosts: list[str]) -> None:
        self.app = app
        self.any = "*" in allowed_hosts
        self.patterns = [split_host(pattern.lower()) for pattern in allowed_hosts if pattern != "*"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.any:
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host", "")
        if host and self.allows(host):
            await self.app(scope, receive, send)
            return
        error = ServiceError(ErrorCode.INVALID_REQUEST, "the Host header names no host this server answers for")
        await error_response(error, as_http_status=True, status=MISDIRECTED)(scope, receive, send)

    def allows(self, host_header: str) -> bool:
        name, port = split_host(host_header.lower())
        for allowed_name, allowed_port in self.patterns:
            if allowed_port not in (None, "*", port):
                continue
            if name == allowed_name or (allowed_name.startswith("*.") and name.endswith(allowed_name[1:])):
                return True
        return False


def split_host(value: str) -> tuple[str, str | None]:
    """`host[:port]` (IPv6 in brackets) as (host, port or None)."""
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return value, None
        rest = value[end + 1 :]
        return value[: end + 1], rest[1:] if rest.startswith(":") else None
    name, sep, port = value.rpartition(":")
    return (name, port) if sep and ":" not in name else (value, None)


class SecurityHeadersMiddleware:
    """Adds the browser-facing security headers to every response and drops any `server` header."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"] in DOCS_PATHS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                del headers["server"]
                headers.setdefault("x-content-type-options", "nosniff")
                headers.setdefault("referrer-policy", "no-referrer")
                headers.setdefault("x-frame-options", "DENY")
                # The docs pages load Swagger UI / ReDoc from a CDN; everything else is data, never a page.
                csp = "frame-ancestors 'none'" if docs else "default-src 'none'; frame-ancestors 'none'"
                headers.setdefault("content-security-policy", csp)
                headers.setdefault("cache-control", "no-store")
                if self.hsts:
                    headers.setdefault("strict-transport-security", "max-age=31536000; includeSubDomains")
            await send(message)

        await self.app(scope, receive, send_with_headers)
