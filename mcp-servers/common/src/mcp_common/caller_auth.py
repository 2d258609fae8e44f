"""What a service with caller keys refuses: the checks of caller assertions on `/mcp/call` and `/mcp`.

`/mcp/call` (`verified_context`): an assertion in `X-Caller-Assertion` must be valid for this service
(else UNAUTHENTICATED); the body's `context.caller`, when given, must be its subject (else FORBIDDEN),
and the call then runs for the subject and tenant the assertion names. Without an assertion, a call
naming a caller, or to a tool with identity arguments, is UNAUTHENTICATED; other tools run with no
caller. Without caller keys (development) the body's context is believed as it is.

`/mcp` (`McpCallerMiddleware`): MCP carries no caller, so every request needs an assertion, as
`Authorization: Bearer <assertion>` (or in `X-Caller-Assertion`), else HTTP 401; its subject is the
caller that identity arguments must name.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from mcp_common.assertions import HEADER, Assertion, AssertionVerifier
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.http_errors import envelope_body
from mcp_common.registry import ToolSpec
from mcp_common.wire import CallContext

_current: ContextVar[Assertion | None] = ContextVar("caller_assertion", default=None)


def current() -> Assertion | None:
    """The verified assertion of the `/mcp` request being served, if any."""
    return _current.get()


@contextmanager
def using(assertion: Assertion | None) -> Iterator[None]:
    token = _current.set(assertion)
    try:
        yield
    finally:
        _current.reset(token)


def verified_context(
    verifier: AssertionVerifier | None, spec: ToolSpec, context: CallContext, token: str | None
) -> CallContext:
    """The context a `/mcp/call` runs with, once its caller assertion (`token`) is checked."""
    if verifier is None:
        return context
    if not token:
        if context.caller is not None:
            raise ServiceError(ErrorCode.UNAUTHENTICATED, "a call made for a caller needs a caller assertion")
        if spec.identity_args:
            raise ServiceError(
                ErrorCode.UNAUTHENTICATED, f"{spec.name} reads per-user data: it needs a caller assertion"
            )
        return context
    assertion = verifier.verify(token)
    if context.caller is not None and context.caller.strip().lower() != assertion.subject:
        raise ServiceError(ErrorCode.FORBIDDEN, "context.caller is not the caller the assertion names")
    if context.tenant != assertion.tenant:
        raise ServiceError(ErrorCode.FORBIDDEN, "context.tenant is not the tenant the assertion names")
    return context.model_copy(update={"caller": assertion.subject})


def bearer(headers: Headers) -> str | None:
    """The assertion a `/mcp` request carries: `X-Caller-Assertion`, else `Authorization: Bearer …`."""
    if value := headers.get(HEADER):
        return value.strip()
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


class McpCallerMiddleware:
    """Requires a valid caller assertion on the `/mcp` endpoint and makes it `current()` while it is served."""

    def __init__(self, app: ASGIApp, *, verifier: AssertionVerifier, paths: tuple[str, ...] = ("/mcp", "/mcp/")):
        self.app = app
        self.verifier = verifier
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        token = bearer(Headers(scope=scope))
        try:
            if token is None:
                raise ServiceError(ErrorCode.UNAUTHENTICATED, "a caller assertion is required (Authorization: Bearer)")
            assertion = self.verifier.verify(token)
        except ServiceError as exc:
            await _unauthorized(send, exc.message)
            return
        with using(assertion):
            await self.app(scope, receive, send)


async def _unauthorized(send: Send, message: str) -> None:
    body = envelope_body(ServiceError(ErrorCode.UNAUTHENTICATED, message))
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", b'Bearer error="invalid_token"'),
    ]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": body})
