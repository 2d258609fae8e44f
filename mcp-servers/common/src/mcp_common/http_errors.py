"""The error envelope: the one body every HTTP app of the workspace answers an error with.

```json
{"error": {"code": "NOT_FOUND", "message": "Not Found", "retryable": false},
 "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "timestamp": "2026-01-01T12:00:00.000001Z"}
```

`install_error_handlers(app, ...)` makes an app answer it for a `ServiceError` that reaches the
boundary, a body that does not parse or validate, the framework's refusals (unknown route 404, wrong
method 405 with `Allow`) and crashes (500, logged with their trace); `mcp_common.body_cap.BodyCap`
answers it for a body over the cap (413). `error_responses(...)` documents it in OpenAPI.

An app chooses only the status of a `ServiceError` and of a bad body (`status_of`): services answer
each code's own status (`ErrorCode.http_status`); the orchestrator answers 200 unless
`ORCH_ERRORS_AS_HTTP_STATUS=true`. Unknown routes, wrong methods, bodies over the cap and crashes
carry their own status in every app, because proxies, clients and error-rate alerts act on it.
A crash is answered by Starlette's outermost layer, after the request's span has ended: its envelope
names a trace id of its own, which its `crash` log line (with the traceback) carries too.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from mcp_common import tracing
from mcp_common.errors import ErrorCode, ErrorEnvelope, ServiceError, invalid_request

logger = logging.getLogger("mcp_common.http_errors")

StatusOf = Callable[[ServiceError], int]
"""The HTTP status an app answers a `ServiceError` (or a bad body) with."""

_FRAMEWORK_CODES = {404: ErrorCode.NOT_FOUND, 413: ErrorCode.PAYLOAD_TOO_LARGE}
_DESCRIPTIONS = {
    400: "The body is not JSON or does not match the request schema (`INVALID_REQUEST`).",
    413: "The body is larger than the cap (`PAYLOAD_TOO_LARGE`); the connection is closed.",
    421: "The Host header names no host this server answers for (`INVALID_REQUEST`).",
    429: "Over a rate limit (`RATE_LIMITED`, with `Retry-After` when known).",
    500: "An unexpected failure (`INTERNAL`); the trace id finds its log line.",
}


def own_status(error: ServiceError) -> int:
    """The status of the error's code (`ErrorCode.http_status`): what services answer."""
    return error.code.http_status


def envelope_response(error: ServiceError, status: int, *, trace_id: str | None = None) -> JSONResponse:
    """The envelope of `error` with `status` and the headers its code calls for; in the current trace
    unless `trace_id` names one."""
    body = ErrorEnvelope(error=error.to_body(), trace_id=trace_id or _trace_id(), timestamp=datetime.now(UTC))
    headers: dict[str, str] = {}
    if error.code is ErrorCode.RATE_LIMITED and error.retry_after_s is not None:
        headers["Retry-After"] = str(max(1, math.ceil(error.retry_after_s)))
    if error.code is ErrorCode.UNAUTHENTICATED:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def envelope_body(error: ServiceError) -> bytes:
    """The envelope of `error` as JSON bytes, in the current trace: for pure-ASGI layers that answer alone."""
    body = ErrorEnvelope(error=error.to_body(), trace_id=_trace_id(), timestamp=datetime.now(UTC))
    return body.model_dump_json().encode()


def install_error_handlers(app: FastAPI, *, crash_message: str, status_of: StatusOf = own_status) -> None:
    """Answer every error of `app` with the envelope (see the module docstring); `crash_message` is what a
    crash says (`"the order service failed unexpectedly"`)."""

    @app.exception_handler(ServiceError)
    async def domain_error(_: Request, exc: ServiceError) -> JSONResponse:
        extra = {"event_type": "request_error", "code": exc.code.value}
        logger.info("request not answered: %s", exc.code.value, extra=extra)  # counted by `orchestrator errors`
        return envelope_response(exc, status_of(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_body(_: Request, exc: RequestValidationError) -> JSONResponse:
        error = _invalid_body(exc)
        return envelope_response(error, status_of(error))

    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # a body that could not be read or parsed: bad input like any other
            error = ServiceError(ErrorCode.INVALID_REQUEST, f"body: {exc.detail}")
            return envelope_response(error, status_of(error))
        code = _FRAMEWORK_CODES.get(exc.status_code)
        if code is None:
            code = ErrorCode.INVALID_REQUEST if exc.status_code < 500 else ErrorCode.INTERNAL
        response = envelope_response(ServiceError(code, str(exc.detail)), exc.status_code)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(Exception)
    async def crash(_: Request, exc: Exception) -> JSONResponse:
        # Starlette answers this outside every middleware, once the request's span has ended: the log line
        # carries the answer's trace id, so that the id a client reports finds the traceback.
        trace_id = _trace_id()
        logger.error("unhandled error", exc_info=exc, extra={"event_type": "crash", "trace_id": trace_id})
        return envelope_response(ServiceError(ErrorCode.INTERNAL, crash_message), 500, trace_id=trace_id)

    for http_exception in (StarletteHTTPException, HTTPException):  # FastAPI's subclass has its own default handler
        app.exception_handler(http_exception)(http_error)
    _document_no_422(app)


def error_responses(*statuses: int, model: type[BaseModel] = ErrorEnvelope) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route or an app: the envelope (`model`, a subclass naming it for an API) for each status."""
    return {status: {"model": model, "description": _description(status)} for status in statuses}


def _trace_id() -> str:
    ctx = tracing.current()
    return ctx.trace_id if ctx else tracing.new_trace_id()


def _description(status: int) -> str:
    if status in _DESCRIPTIONS:
        return _DESCRIPTIONS[status]
    codes = ", ".join(f"`{code.value}`" for code in ErrorCode if code.http_status == status)
    return f"The error envelope ({codes})."


def _invalid_body(exc: RequestValidationError) -> ServiceError:
    # A body read by both a route and one of its dependencies is reported once per problem.
    unique = {(tuple(error.get("loc", ())), error.get("msg")): error for error in exc.errors()}
    # Unparsable JSON is about the whole body, not the character position FastAPI puts in `loc`.
    problems = [{**e, "loc": ()} if e.get("type") == "json_invalid" else e for e in unique.values()]
    return invalid_request(problems, skip={"body"}, where_default="body")


def _document_no_422(app: FastAPI) -> None:
    """Drop the 422 FastAPI documents for every route with a body: a bad body answers the envelope instead."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                if isinstance(operation, dict):
                    operation.get("responses", {}).pop("422", None)
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
