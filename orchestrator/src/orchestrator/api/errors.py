"""The HTTP error boundary: every error leaves the API as one `ErrorResponse` shape.

The status is 200 with the error in the body unless `ORCH_ERRORS_AS_HTTP_STATUS=true`, except for
refusals made before a request is answered, which always carry their own status so that clients,
proxies and browsers act on them: `PAYLOAD_TOO_LARGE` (413), `RATE_LIMITED` (429, with
`Retry-After`), a Host header outside `ORCH_ALLOWED_HOSTS` (421), and the framework's own 404 and
405. `UNAUTHENTICATED` carries `WWW-Authenticate: Bearer`.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from mcp_common import tracing
from mcp_common.errors import ErrorCode, ServiceError, invalid_request
from orchestrator.api.models import ErrorResponse

logger = logging.getLogger(__name__)

# Refusals whose status is sent in both error modes (docs/security-surface.md).
ALWAYS_HTTP_STATUS = frozenset(
    {ErrorCode.PAYLOAD_TOO_LARGE, ErrorCode.RATE_LIMITED, ErrorCode.UNAUTHENTICATED, ErrorCode.FORBIDDEN}
)


def error_response(error: ServiceError, *, as_http_status: bool, status: int | None = None) -> JSONResponse:
    """The `ErrorResponse` of `error`, with its status and headers (`status` overrides both error modes)."""
    ctx = tracing.current()
    body = ErrorResponse(
        error=error.to_body(),
        trace_id=ctx.trace_id if ctx else tracing.new_trace_id(),
        timestamp=datetime.now(UTC),
    )
    if status is None:
        status = error.code.http_status if as_http_status or error.code in ALWAYS_HTTP_STATUS else 200
    headers: dict[str, str] = {}
    if error.code is ErrorCode.RATE_LIMITED and error.retry_after_s is not None:
        headers["Retry-After"] = str(max(1, math.ceil(error.retry_after_s)))
    if error.code is ErrorCode.UNAUTHENTICATED:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def install(app: FastAPI, *, as_http_status: bool) -> None:
    """Translate domain errors, bad input, the framework's HTTP errors and crashes into `ErrorResponse` bodies."""

    def respond(error: ServiceError) -> JSONResponse:
        return error_response(error, as_http_status=as_http_status)

    @app.exception_handler(ServiceError)
    async def domain_error(_: Request, exc: ServiceError) -> JSONResponse:
        extra = {"event_type": "request_error", "code": exc.code.value}
        logger.info("request not answered: %s", exc.code.value, extra=extra)  # counted by `orchestrator errors`
        return respond(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_input(_: Request, exc: RequestValidationError) -> JSONResponse:
        # A body read by both the route and its caller dependency is reported once per problem.
        unique = {(tuple(error.get("loc", ())), error.get("msg")): error for error in exc.errors()}
        # Unparsable JSON is about the whole body, not the character position FastAPI puts in `loc`.
        problems = [{**e, "loc": ()} if e.get("type") == "json_invalid" else e for e in unique.values()]
        return respond(invalid_request(problems, skip={"body"}, where_default="body"))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # a body that could not be read or parsed: bad input like any other
            return respond(ServiceError(ErrorCode.INVALID_REQUEST, f"body: {exc.detail}"))
        code = {404: ErrorCode.NOT_FOUND, 413: ErrorCode.PAYLOAD_TOO_LARGE}.get(exc.status_code)
        if code is None:
            code = ErrorCode.INVALID_REQUEST if exc.status_code < 500 else ErrorCode.INTERNAL
        response = error_response(ServiceError(code, str(exc.detail)), as_http_status=True, status=exc.status_code)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(Exception)
    async def crash(_: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error")
        return respond(ServiceError(ErrorCode.INTERNAL, "the orchestrator failed unexpectedly"))
