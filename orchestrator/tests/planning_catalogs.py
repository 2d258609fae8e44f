"""Catalogs of the services' real tool listings for planning tests: registries built in-process over a
backend that fails the test if a tool is ever called (planning reads listings only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orch_fakes import RegistrySource

from chargebee_service.tools import build_registry as chargebee_registry
from customer_profile_service.tools import build_registry as profile_registry
from firebase_service.tools import build_registry as firebase_registry
from hubspot_service.tools import build_registry as hubspot_registry
from mcp_common.registry import ToolRegistry
from menu_service.tools import build_registry as menu_registry
from orchestrator.tools.catalog import Catalog
from order_service.tools import build_registry as order_registry
from recommendations_service.tools import build_registry as recommendations_registry
from tracking_service.tools import build_registry as tracking_registry


class _Unused:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError("planning never calls a tool")


UNUSED: Any = _Unused()

REGISTRIES: dict[str, Callable[[], ToolRegistry]] = {
    "chargebee": lambda: chargebee_registry(UNUSED),
    "hubspot": lambda: hubspot_registry(UNUSED),
    "firebase": lambda: firebase_registry(UNUSED),
    "menu": lambda: menu_registry(UNUSED),
    "order": lambda: order_registry(lambda: UNUSED),
    "tracking": lambda: tracking_registry(lambda: UNUSED),
    "recommendations": lambda: recommendations_registry(UNUSED),
    "customer_profile": lambda: profile_registry(UNUSED),
}


async def registry_catalog(*services: str) -> Catalog:
    """A refreshed catalog of the named services' tools, as the orchestrator lists them."""
    catalog = Catalog([RegistrySource(REGISTRIES[name]()) for name in services])
    await catalog.refresh()
    return catalog


async def every_catalog() -> Catalog:
    """`registry_catalog` of every service."""
    return await registry_catalog(*REGISTRIES)
