"""Helpers the menu tests share (imported, not a conftest): a seeded database, tool calls, settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from mcp_common.db import Database
from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext
from menu_service.app import MIGRATIONS
from menu_service.repository import MenuRepository
from menu_service.seed import seed_menu
from menu_service.settings import Settings
from menu_service.tools import build_registry


@asynccontextmanager
async def menu_registry(database_url: str, *, seed: bool = True) -> AsyncIterator[tuple[ToolRegistry, Database]]:
    """The menu tools over a migrated (and by default seeded) database."""
    db = Database(database_url)
    try:
        await db.migrate(MIGRATIONS)
        if seed:
            await seed_menu(db)
        yield build_registry(MenuRepository(db)), db
    finally:
        await db.aclose()


async def call(registry: ToolRegistry, tool: str, **arguments: Any) -> dict[str, Any]:
    """Call a tool as `/mcp/call` would (arguments validated), returning its JSON result."""
    result = await registry.call(tool, arguments, CallContext())
    dumped: dict[str, Any] = result.model_dump(mode="json")
    return dumped


def settings(database_url: str, **overrides: Any) -> Settings:
    """Settings that ignore the environment's `.env`."""
    return Settings(_env_file=None, database_url=database_url, **overrides)


def post_call(base_url: str, tool: str, arguments: dict[str, Any], **context: Any) -> dict[str, Any]:
    """`POST /mcp/call` over real HTTP; the response body (always HTTP 200 for tool outcomes)."""
    response = httpx.post(
        f"{base_url}/mcp/call", json={"tool": tool, "arguments": arguments, "context": context}, timeout=10
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
