"""Wire models of the `/mcp/tools` and `/mcp/call` HTTP contract."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from mcp_common.errors import ErrorBody

SERVER_TIMING = "Server-Timing"
"""Header of every `/mcp/call` reply: `app;dur=<ms>`, the service's own time handling the call."""


def server_timing(ms: float) -> str:
    return f"app;dur={ms:.3f}"


def service_ms(header: str | None) -> float | None:
    """The `app` duration of a `Server-Timing` header in milliseconds, or None when it has none."""
    for metric in (header or "").split(","):
        name, _, params = metric.partition(";")
        if name.strip() != "app":
            continue
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "dur":
                try:
                    return float(value)
                except ValueError:
                    return None
    return None


class CallContext(BaseModel):
    """Who is calling and within which trace; sent with every `/mcp/call`."""

    trace_id: str | None = Field(default=None, description="W3C trace id (32 hex chars).")
    span_id: str | None = Field(default=None, description="Id of the caller's span (16 hex chars).")
    session_id: str | None = Field(default=None, description="Conversation or client session id.")
    tenant: str = Field(default="default", description="Tenant the caller belongs to.")
    caller: str | None = Field(
        default=None,
        description="Identity of the end user the call is made for (an email). When set, every "
        "identity argument of the tool must name this caller.",
    )


class CallRequest(BaseModel):
    """Body of `POST /mcp/call`."""

    tool: str = Field(min_length=1, max_length=128, description="Tool name, without the service prefix.")
    arguments: dict[str, Any] = Field(default_factory=dict, description="Tool arguments.")
    context: CallContext = Field(default_factory=CallContext)


class CallResponse(BaseModel):
    """Body returned by `POST /mcp/call`, success or failure."""

    ok: bool
    result: dict[str, Any] | None = None
    error: ErrorBody | None = None
    service: str
    tool: str
    latency_ms: float


class ToolInfo(BaseModel):
    """One tool as listed by `GET /mcp/tools`."""

    name: str
    description: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    writes: bool = Field(description="True when the tool changes state (never retried).")
    identity_args: list[str] = Field(description="Arguments that name the end user; bound to the caller.")
    cache_ttl_s: float = Field(description="How long a result may be cached; 0 disables caching.")
    examples: list[str] = Field(description="Example user utterances this tool answers.")
    cache_scope: str | None = Field(
        default=None, description="Read tools: the scope their cached results belong to (default: the service)."
    )
    invalidates: list[str] | None = Field(
        default=None,
        description="Write tools: the cache scopes of the caller's reads this write makes stale; "
        "null means all of the caller's cached reads.",
    )


class ToolListing(BaseModel):
    """Body of `GET /mcp/tools`."""

    service: str
    version: str
    tools: list[ToolInfo]
