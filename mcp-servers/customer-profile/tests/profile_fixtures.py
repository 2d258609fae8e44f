"""Helpers the customer-profile tests share (imported, not a conftest): a seeded database, calls, settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from customer_profile_service.app import MIGRATIONS
from customer_profile_service.repository import ProfileRepository
from customer_profile_service.seed import seed_profiles
from customer_profile_service.settings import Settings
from customer_profile_service.tools import build_registry
from mcp_common.clock import ManualClock
from mcp_common.db import Database
from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext

ADA = "ada@example.com"
GRACE = "grace@example.com"


@asynccontextmanager
async def profile_registry(
    database_url: str, clock: ManualClock | None = None
) -> AsyncIterator[tuple[ToolRegistry, Database]]:
    """The customer-profile tools over a migrated, seeded database."""
    clock = clock or ManualClock()
    db = Database(database_url)
    try:
        await db.migrate(MIGRATIONS)
        await seed_profiles(db, clock)
        yield build_registry(ProfileRepository(db, clock)), db
    finally:
        await db.aclose()


async def call(registry: ToolRegistry, tool: str, caller: str | None = None, **arguments: Any) -> dict[str, Any]:
    """Call a tool as `/mcp/call` would (arguments validated, identity checked); its JSON result."""
    result = await registry.call(tool, arguments, CallContext(caller=caller))
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
