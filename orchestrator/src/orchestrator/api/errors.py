"""The HTTP error boundary: every error leaves the API as one `ErrorResponse` shape."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from mcp_common import tracing
from mcp_common.errors import ErrorCode, ServiceError, invalid_request
from orchestrator.api.models import ErrorResponse

logger = logging.getLogger(__name__)


def install(app: FastAPI, *, as_http_status: bool) -> None:
    """Translate domain errors, bad input and crashes into `ErrorResponse` bodies."""

    def respond(error: ServiceError) -> JSONResponse:
        ctx = tracing.current()
        body = ErrorResponse(
            error=error.to_body(),
            trace_id=ctx.trace_id if ctx else tracing.new_trace_id(),
            timestamp=datetime.now(UTC),
        )
        status = error.code.http_status if as_http_status else 200
        return JSONResponse(body.model_dump(mode="json"), status_code=status)

    @app.exception_handler(ServiceError)
    async def domain_error(_: Request, exc: ServiceError) -> JSONResponse:
        return respond(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_input(_: Request, exc: RequestValidationError) -> JSONResponse:
        # A body read by both the route and its caller dependency is reported once per problem.
        unique = {(tuple(error.get("loc", ())), error.get("msg")): error for error in exc.errors()}
        return respond(invalid_request(list(unique.values()), skip={"body"}, where_default="body"))

    @app.exception_handler(Exception)
    async def crash(_: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error")
        return respond(ServiceError(ErrorCode.INTERNAL, "the orchestrator failed unexpectedly"))
