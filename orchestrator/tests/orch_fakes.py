"""Shared fakes for orchestrator tests: tool sources scripted in-process, catalogs built from them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext, ToolInfo

Behaviour = Callable[[dict[str, Any], CallContext], Awaitable[dict[str, Any]]]


def tool_info(name: str, *, writes: bool = False, ttl: float = 60.0, examples: tuple[str, ...] = ()) -> ToolInfo:
    return ToolInfo(
        name=name,
        description=f"The {name} tool.",
        input_schema={
            "type": "object",
            "properties": {"email": {"type": "string"}, "limit": {"type": "integer", "minimum": 1, "maximum": 50}},
            "required": ["email"],
        },
        output_schema={"type": "object", "properties": {"value": {"type": "string"}}, "required": ["value"]},
        writes=writes,
        identity_args=["email"],
        cache_ttl_s=ttl,
        examples=list(examples),
    )


class ScriptedSource:
    """A ToolSource whose tools behave as each test scripts them; records every call."""

    def __init__(self, name: str, tools: dict[str, tuple[ToolInfo, Behaviour]]) -> None:
        self.name = name
        self.tools = tools
        self.calls: list[tuple[str, dict[str, Any], CallContext]] = []
        self.healthy = True

    async def list_tools(self) -> list[ToolInfo]:
        if not self.healthy:
            raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, f"{self.name} is down")
        return [info for info, _ in self.tools.values()]

    async def call(self, tool: str, arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
        self.calls.append((tool, arguments, context))
        return await self.tools[tool][1](arguments, context)

    async def health(self) -> None:
        if not self.healthy:
            raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, f"{self.name} is down")


class RegistrySource:
    """A ToolSource over a service's real registry, in-process (no HTTP)."""

    def __init__(self, registry: ToolRegistry) -> None:
        self.name = registry.service
        self.registry = registry

    async def list_tools(self) -> list[ToolInfo]:
        return [spec.info() for spec in self.registry]

    async def call(self, tool: str, arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
        result = await self.registry.call(tool, arguments, context)
        return result.model_dump(mode="json")

    async def health(self) -> None:
        return None


def returns(value: str) -> Behaviour:
    async def behave(arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
        return {"value": f"{value} for {arguments.get('email')}"}

    return behave


def fails(code: ErrorCode, times: int = 10**9, then: str = "ok") -> Behaviour:
    remaining = [times]

    async def behave(arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
        if remaining[0] > 0:
            remaining[0] -= 1
            raise ServiceError(code, f"scripted {code.value}")
        return {"value": then}

    return behave


def hangs() -> Behaviour:
    async def behave(arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    return behave
