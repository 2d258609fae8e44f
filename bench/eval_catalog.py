"""The evaluation's catalog: every service's tools as the orchestrator lists them, from the services' own
registries in-process (no network, no tool ever called), plus third-party tools for a larger catalog."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any, cast

from chargebee_service.tools import build_registry as chargebee_registry
from customer_profile_service.tools import build_registry as profile_registry
from firebase_service.tools import build_registry as firebase_registry
from hubspot_service.tools import build_registry as hubspot_registry
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext, ToolInfo
from menu_service.tools import build_registry as menu_registry
from orchestrator.tools.catalog import Catalog
from order_service.tools import build_registry as order_registry
from recommendations_service.tools import build_registry as recommendations_registry
from tracking_service.tools import build_registry as tracking_registry

THIRD_PARTY = Path(__file__).resolve().parent.parent / "eval" / "planner" / "third_party_tools.json"


class _NotRunning:
    """Stands in for a service's backend: planning reads tool listings and never calls a tool."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the evaluation never calls a tool ({name})")


class _RegistrySource:
    """A ToolSource over a service's registry, in-process: listings only."""

    def __init__(self, registry: ToolRegistry) -> None:
        self.name = registry.service
        self.registry = registry

    async def list_tools(self) -> list[ToolInfo]:
        return [spec.info() for spec in self.registry]

    async def call(self, tool: str, arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
        raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, "the evaluation never calls a tool")

    async def health(self) -> None:
        return None


class _StaticSource:
    """A third-party MCP server's listing (names, descriptions, schemas; no examples): listings only."""

    def __init__(self, name: str, tools: list[ToolInfo]) -> None:
        self.name = name
        self.tools = tools

    async def list_tools(self) -> list[ToolInfo]:
        return self.tools

    async def call(self, tool: str, arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
        raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, "the evaluation never calls a tool")

    async def health(self) -> None:
        return None


def third_party_sources(count: int) -> list[_StaticSource]:
    """The first `count` tools of `third_party_tools.json`, grouped by service."""
    by_service: dict[str, list[ToolInfo]] = defaultdict(list)
    for tool in json.loads(THIRD_PARTY.read_text())["tools"][:count]:
        by_service[tool["service"]].append(
            ToolInfo(
                name=tool["name"],
                description=tool["description"],
                input_schema=tool["input_schema"],
                output_schema={"type": "object"},
                writes=tool.get("writes", False),
                identity_args=[],
                cache_ttl_s=0.0,
                examples=[],
            )
        )
    return [_StaticSource(service, tools) for service, tools in by_service.items()]


async def build_catalog(extra_tools: int = 0) -> Catalog:
    """Every service's tools as the orchestrator lists them, from the services' own registries (plus
    `extra_tools` third-party tools)."""
    unused = cast(Any, _NotRunning())
    registries = [
        chargebee_registry(unused),
        hubspot_registry(unused),
        firebase_registry(unused),
        menu_registry(unused),
        order_registry(lambda: unused),
        recommendations_registry(unused),
        tracking_registry(lambda: unused),
        profile_registry(unused),
    ]
    sources: list[Any] = [_RegistrySource(r) for r in registries]
    catalog = Catalog([*sources, *third_party_sources(extra_tools)])
    await catalog.refresh()
    return catalog
