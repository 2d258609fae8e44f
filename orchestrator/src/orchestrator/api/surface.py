"""What the orchestrator shows browsers and abusers, as one pure ASGI middleware (docs/security-surface.md).

`SurfaceMiddleware`, inside the telemetry middleware, on every HTTP request in this order:

- the Host header must match `ORCH_ALLOWED_HOSTS` (DNS rebinding), else 421 with the error envelope;
- security headers on every response, refusals included: nosniff, no referrer, no framing, `no-store`,
  HSTS in production, no `server` header;
- at most `ORCH_MAX_BODY_BYTES` are read: a larger `Content-Length` is answered 413 before any byte
  is read, a longer chunked body 413 as soon as it passes the cap, and the rest is never read;
- CORS (Starlette's) for requests that carry an `Origin`: explicit origins and headers, loopback
  origins by default in development.

One layer with one `send` wrapper, because each ASGI layer costs every request a call and closures;
a request without `Origin` never enters the CORS code, and a declared `Content-Length` under the cap
needs no watch on `receive` (the server reads no more than the length declared).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcp_common.body_cap import BodyCap
from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.api.errors import MISDIRECTED, error_response
from orchestrator.settings import Settings

# Browser origins on this machine, any port: the development default of ORCH_CORS_ORIGINS.
LOOPBACK_ORIGINS = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?"
# Request headers a browser may send: what the API reads (the user header only in development).
CORS_HEADERS = ("content-type", "authorization", "traceparent", "mcp-protocol-version", "mcp-session-id")
DEV_CORS_HEADERS = ("x-user-email",)
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
_DATA_CSP = b"default-src 'none'; frame-ancestors 'none'"
_DOCS_CSP = b"frame-ancestors 'none'"  # the docs pages load Swagger UI / ReDoc from a CDN


def docs_enabled(settings: Settings) -> bool:
    """Whether /docs, /redoc and /openapi.json are served."""
    return settings.api_docs if settings.api_docs is not None else settings.mode == "development"


def install(app: FastAPI, settings: Settings) -> None:
    """Add `SurfaceMiddleware` for these settings to `app`."""
    app.add_middleware(SurfaceMiddleware, settings=settings)


class HostPatterns:
    """The Host headers a server answers for.

    Patterns: `host:port`, `host:*` (any port, or none), `host` (any port), `*.domain` (subdomains),
    `*` (anything: behind a trusted front end such as Cloud Run's). Case-insensitive.
    """

    def __init__(self, allowed_hosts: list[str]) -> None:
        self.any = "*" in allowed_hosts
        self.patterns = [split_host(pattern.lower()) for pattern in allowed_hosts if pattern != "*"]

    def allows(self, host_header: str) -> bool:
        if self.any:
            return True
        name, port = split_host(host_header.lower())
        for allowed_name, allowed_port in self.patterns:
            if allowed_port not in (None, "*", port):
                continue
            if name == allowed_name or (allowed_name.startswith("*.") and name.endswith(allowed_name[1:])):
                return True
        return False


class SurfaceMiddleware:
    """Host allowlist, security headers, body cap and CORS in one layer (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        development = settings.mode == "development"
        self.app = app
        self.hosts = HostPatterns(settings.allowed_hosts)
        self.cap = BodyCap(app, max_bytes=settings.max_body_bytes)  # its two halves, after one scan of the headers
        self.cors = CORSMiddleware(
            self.cap.limited,
            allow_origins=settings.cors_origins,
            allow_origin_regex=LOOPBACK_ORIGINS if development and not settings.cors_origins else None,
            allow_methods=["GET", "POST"],
            allow_headers=[*CORS_HEADERS, *(DEV_CORS_HEADERS if development else ())],
            allow_credentials=False,
            expose_headers=["x-trace-id", "retry-after", "mcp-session-id"],
            max_age=600,
        )
        common = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                  (b"x-frame-options", b"DENY"), (b"cache-control", b"no-store")]  # fmt: skip
        if not development:
            common.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        self._headers = {
            False: [*common, (b"content-security-policy", _DATA_CSP)],
            True: [*common, (b"content-security-policy", _DOCS_CSP)],
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket" and not self.hosts.allows(_header(scope, b"host") or "-"):
                return  # never accepted: the server closes the handshake with 403
            await self.app(scope, receive, send)
            return
        extra = self._headers[scope["path"] in DOCS_PATHS]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"server"]
                present = {k.lower() for k, _ in headers}
                headers.extend(item for item in extra if item[0] not in present)
                message["headers"] = headers
            await send(message)

        host = origin = declared = b""
        for key, value in scope["headers"]:
            if key == b"host":
                host = value
            elif key == b"origin":
                origin = value
            elif key == b"content-length":
                declared = value
        if not self.hosts.any and not (host and self.hosts.allows(host.decode("latin-1"))):
            error = ServiceError(ErrorCode.INVALID_REQUEST, "the Host header names no host this server answers for")
            await error_response(error, as_http_status=True, status=MISDIRECTED)(scope, receive, send_with_headers)
            return
        if declared.isdigit() and int(declared) > self.cap.max_bytes:
            await self.cap.refuse(scope, receive, send_with_headers)
            return
        if origin:
            await self.cors(scope, receive, send_with_headers)
        elif declared or scope["method"] in ("GET", "HEAD"):
            await self.app(scope, receive, send_with_headers)  # the server reads no more than declared
        else:
            await self.cap.limited(scope, receive, send_with_headers)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""


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
