"""ToolSource: where tools come from and how one is called. One adapter per transport."""

from __future__ import annotations

from typing import Any, Protocol

from mcp_common.wire import CallContext, ToolInfo


class ToolSource(Protocol):
    """A service offering tools. Errors are raised as `ServiceError`."""

    name: str

    async def list_tools(self) -> list[ToolInfo]: ...

    async def call(self, tool: str, arguments: dict[str, Any], context: CallContext) -> dict[str, Any]: ...

    async def health(self) -> None:
        """Return when the source is healthy; raise `ServiceError` otherwise."""
