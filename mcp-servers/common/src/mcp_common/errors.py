"""One error taxonomy for every package.

```
ServiceError(code, message)          raised by tools, adapters, the orchestrator
 ├─ client side (not retryable)      INVALID_REQUEST, UNAUTHENTICATED, FORBIDDEN,
 │                                   NOT_FOUND, CONFLICT, TOOL_NOT_FOUND, PAYLOAD_TOO_LARGE
 ├─ pressure (retryable)             RATE_LIMITED (with `retry_after_s` when known)
 ├─ upstream (retryable)             SERVICE_UNAVAILABLE, SERVICE_TIMEOUT, LLM_UNAVAILABLE
 └─ defects (not retryable)          SERVICE_BAD_RESPONSE, LLM_BAD_OUTPUT, INTERNAL
```

Each transport translates `ServiceError` at exactly one boundary: `/mcp/call` into the
`CallResponse.error` body, `/mcp` into an MCP tool error result, the orchestrator's HTTP API
into its error body (and, when configured, an HTTP status from `http_status`). Whatever an HTTP app
refuses before a call or an answer (an unreadable body, an unknown route, a wrong method, a body over
the cap) and its crashes are answered with `ErrorEnvelope` (`mcp_common.http_errors`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class ErrorCode(StrEnum):
    """Error codes shared by every service and the orchestrator."""

    INVALID_REQUEST = "INVALID_REQUEST"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    RATE_LIMITED = "RATE_LIMITED"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    LLM_UNAVAILABLE = "LLM_UNAVAILABLE"
    LLM_BAD_OUTPUT = "LLM_BAD_OUTPUT"
    TOOL_NOT_FOUND = "TOOL_NOT_FOUND"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    SERVICE_TIMEOUT = "SERVICE_TIMEOUT"
    SERVICE_BAD_RESPONSE = "SERVICE_BAD_RESPONSE"
    INTERNAL = "INTERNAL"

    @property
    def retryable(self) -> bool:
        """Whether the same call may succeed if simply tried again."""
        return self in _RETRYABLE

    @property
    def http_status(self) -> int:
        """The HTTP status a transport uses when it maps errors onto statuses."""
        return _HTTP_STATUS[self]


_RETRYABLE = frozenset(
    {
        ErrorCode.RATE_LIMITED,
        ErrorCode.SERVICE_UNAVAILABLE,
        ErrorCode.SERVICE_TIMEOUT,
        ErrorCode.LLM_UNAVAILABLE,
    }
)

_HTTP_STATUS = {
    ErrorCode.INVALID_REQUEST: 400,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.LLM_UNAVAILABLE: 503,
    ErrorCode.LLM_BAD_OUTPUT: 502,
    ErrorCode.TOOL_NOT_FOUND: 404,
    ErrorCode.SERVICE_UNAVAILABLE: 503,
    ErrorCode.SERVICE_TIMEOUT: 504,
    ErrorCode.SERVICE_BAD_RESPONSE: 502,
    ErrorCode.INTERNAL: 500,
}


class ErrorBody(BaseModel):
    """The wire form of an error, identical on every transport."""

    code: ErrorCode = Field(description="Machine-readable error code.")
    message: str = Field(description="Human-readable explanation, safe to show to the caller.")
    retryable: bool = Field(description="Whether retrying the same request may succeed.")


class ErrorEnvelope(BaseModel):
    """The body of every HTTP error answer (`mcp_common.http_errors`): what went wrong, and the trace to look
    it up by. `/mcp/call` answers a tool's own failure as `CallResponse.error` instead."""

    error: ErrorBody
    trace_id: str = Field(description="The request's trace id (also in the `x-trace-id` header).")
    timestamp: datetime = Field(description="When the error was answered (UTC).")


class ServiceError(Exception):
    """A domain error carrying a code from the shared taxonomy.

    `retry_after_s`: when known (a rate limit), how many seconds until the same request may succeed;
    the HTTP boundary sends it as `Retry-After`. It is not part of the wire body.
    """

    def __init__(self, code: ErrorCode, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after_s = retry_after_s

    @property
    def retryable(self) -> bool:
        return self.code.retryable

    def to_body(self) -> ErrorBody:
        return ErrorBody(code=self.code, message=self.message, retryable=self.retryable)

    @classmethod
    def from_body(cls, body: ErrorBody) -> ServiceError:
        return cls(body.code, body.message)

    def __reduce__(self) -> tuple[type[ServiceError], tuple[ErrorCode, str], dict[str, Any]]:
        # Exception's default rebuilds from `args` (the message only), which __init__ rejects.
        return type(self), (self.code, self.message), {"retry_after_s": self.retry_after_s}

    def __repr__(self) -> str:
        return f"ServiceError({self.code.value}, {self.message!r})"


def invalid_request(
    errors: Iterable[Mapping[str, Any]], *, prefix: str = "", skip: Collection[object] = (), where_default: str = ""
) -> ServiceError:
    """`INVALID_REQUEST` naming each failing field (`loc: msg`), never the rejected values.

    `errors` are pydantic/FastAPI validation error dicts; `skip` drops location parts such as
    FastAPI's leading `body`.
    """
    parts = []
    for err in errors:
        where = ".".join(str(p) for p in err["loc"] if p not in skip) or where_default
        parts.append(f"{where}: {err['msg']}")
    return ServiceError(ErrorCode.INVALID_REQUEST, prefix + "; ".join(parts))
