"""Who calls the orchestrator's `/mcp`: `McpCallerMiddleware` names the caller of each request there
(see `orchestrator.api.mcp`); kept apart from the MCP server so the app is built without the MCP SDK."""

from __future__ import annotations

import math
from contextvars import ContextVar

from starlette.types import ASGIApp, Receive, Scope, Send

from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.http_errors import envelope_body
from orchestrator.security.caller import Caller
from orchestrator.security.identity import USER_HEADER, Callers, Credentials

_caller: ContextVar[Caller | None] = ContextVar("mcp_caller", default=None)


class McpCallerMiddleware:
    """Names the caller of `/mcp` requests (see `orchestrator.api.mcp`); 401 for a bad bearer token."""

    def __init__(self, app: ASGIApp, callers: Callers) -> None:
        self.app = app
        self.callers = callers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != "/mcp":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            caller = await self.callers.resolve(Credentials("mcp", headers, headers.get(USER_HEADER)))
            limits = getattr(scope["app"].state, "limits", None) if "app" in scope else None
            if caller is not None and limits is not None:  # the same budgets as /query and /orchestrate
                await limits.hit(tenant=caller.tenant, user=caller.user, key_id=caller.key_id)
        except ServiceError as exc:
            await _reject(send, exc, bearer=self.callers.bearer_required)
            return
        token = _caller.set(caller)
        try:
            await self.app(scope, receive, send)
        finally:
            _caller.reset(token)


async def _reject(send: Send, exc: ServiceError, *, bearer: bool) -> None:
    body = envelope_body(exc)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if bearer or exc.code is ErrorCode.UNAUTHENTICATED:
        headers.append((b"www-authenticate", b'Bearer realm="mcp"'))
    if exc.code is ErrorCode.RATE_LIMITED and exc.retry_after_s is not None:
        headers.append((b"retry-after", str(max(1, math.ceil(exc.retry_after_s))).encode()))
    await send({"type": "http.response.start", "status": exc.code.http_status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
