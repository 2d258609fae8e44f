"""The HTTP error boundary: every error leaves the API as the workspace's error envelope (`ErrorResponse`).

The envelope and its handlers are `mcp_common.http_errors`'; this module sets the orchestrator's
statuses. The status is 200 with the error in the body unless `ORCH_ERRORS_AS_HTTP_STATUS=true`,
except for refusals made before a request is answered, which always carry their own status so that
clients, proxies and browsers act on them: `PAYLOAD_TOO_LARGE` (413), `RATE_LIMITED` (429, with
`Retry-After`), `UNAUTHENTICATED` (401, with `WWW-Authenticate: Bearer`), `FORBIDDEN` (403), a Host
header outside `ORCH_ALLOWED_HOSTS` (421), an unknown route (404) and a wrong method (405). A crash
answers 500 in both modes.

`ANY_ROUTE` and `ANSWERING_ROUTE` are the `responses=` that document these in OpenAPI.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.http_errors import envelope_response, error_responses, install_error_handlers
from orchestrator.api.models import ErrorResponse

# Refusals whose status is sent in both error modes (docs/security-surface.md).
ALWAYS_HTTP_STATUS = frozenset(
    {ErrorCode.PAYLOAD_TOO_LARGE, ErrorCode.RATE_LIMITED, ErrorCode.UNAUTHENTICATED, ErrorCode.FORBIDDEN}
)
MISDIRECTED = 421

ANY_ROUTE: dict[int | str, dict[str, Any]] = error_responses(413, MISDIRECTED, 500, model=ErrorResponse)
"""Any route may answer: a body over the cap, a Host header not allowed, a crash."""
ANSWERING_ROUTE: dict[int | str, dict[str, Any]] = error_responses(
    *sorted({code.http_status for code in ErrorCode} | {MISDIRECTED}), model=ErrorResponse
)
"""A route that answers a request may answer any error of the taxonomy with its status (some in both modes)."""


def status_of(error: ServiceError, *, as_http_status: bool) -> int:
    """The status `error` is answered with in this error mode."""
    return error.code.http_status if as_http_status or error.code in ALWAYS_HTTP_STATUS else 200


def error_response(error: ServiceError, *, as_http_status: bool, status: int | None = None) -> JSONResponse:
    """The `ErrorResponse` of `error`, with its status and headers (`status` overrides both error modes)."""
    return envelope_response(error, status_of(error, as_http_status=as_http_status) if status is None else status)


def install(app: FastAPI, *, as_http_status: bool) -> None:
    """Answer domain errors, bad input, the framework's HTTP errors and crashes with `ErrorResponse` bodies."""
    install_error_handlers(
        app,
        crash_message="the orchestrator failed unexpectedly",
        status_of=lambda error: status_of(error, as_http_status=as_http_status),
    )
