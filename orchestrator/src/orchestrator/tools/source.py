"""ToolSource: where tools come from and how one is called. One adapter per transport."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Protocol

from mcp_common.wire import CallContext, ToolInfo


class ToolSource(Protocol):
    """A service offering tools. Errors are raised as `ServiceError`."""

    name: str

    async def list_tools(self) -> list[ToolInfo]: ...

    async def call(self, tool: str, arguments: dict[str, Any], context: CallContext) -> dict[str, Any]: ...

    async def health(self) -> None:
        """Return when the source is healthy; raise `ServiceError` otherwise."""


_service_ms: ContextVar[float | None] = ContextVar("service_ms", default=None)


def report_service_ms(ms: float | None) -> None:
    """Called by a source during `call`: the service's own time for it, as the service reported it."""
    _service_ms.set(ms)


def take_service_ms() -> float | None:
    """What the source of the call just made in this task reported (`report_service_ms`), then forgotten."""
    ms = _service_ms.get()
    if ms is not None:
        _service_ms.set(None)
    return ms
