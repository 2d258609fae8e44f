"""The world tracking runs in during tests: the real order, menu and customer_profile services on
loopback (SQLite, demo data); shared by the tracking tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from customer_profile_service.app import create_app as create_profile_app
from customer_profile_service.settings import Settings as ProfileSettings
from mcp_common.clock import Clock
from mcp_devtools.testing import serve
from menu_service.app import create_app as create_menu_app
from menu_service.settings import Settings as MenuSettings
from order_service.app import create_app as create_order_app
from order_service.settings import Settings as OrderSettings
from tracking_service.app import create_app
from tracking_service.settings import Settings

ADA = "ada@example.com"
GRACE = "grace@example.com"


@contextmanager
def serve_order_world(database: Path, clock: Clock, *, seed_demo: bool = False) -> Iterator[str]:
    """The real order service (on SQLite at `database`) with the real menu and customer_profile
    services beside it (demo data, their own SQLite files); yields the order service's URL."""
    menu_settings = MenuSettings(_env_file=None, database_url=f"sqlite+aiosqlite:///{database.with_suffix('.menu.db')}")
    profile_db = database.with_suffix(".profiles.db")
    profile_settings = ProfileSettings(_env_file=None, database_url=f"sqlite+aiosqlite:///{profile_db}")
    with (
        serve(create_menu_app(menu_settings, clock=clock)) as menu_url,
        serve(create_profile_app(profile_settings, clock=clock)) as profile_url,
    ):
        settings = OrderSettings(
            _env_file=None,
            database_url=f"sqlite+aiosqlite:///{database}",
            menu_url=menu_url,
            customer_profile_url=profile_url,
            seed_demo=seed_demo,
        )
        with serve(create_order_app(settings, clock=clock)) as order_url:
            yield order_url


def tracking_settings(database_url: str, order_url: str, **overrides: Any) -> Settings:
    return Settings(_env_file=None, database_url=database_url, order_url=order_url, **overrides)


@contextmanager
def serve_tracking(settings: Settings, clock: Clock) -> Iterator[str]:
    with serve(create_app(settings, clock=clock)) as url:
        yield url


async def call(http: httpx.AsyncClient, url: str, tool: str, arguments: dict[str, Any], caller: str | None) -> Any:
    """POST /mcp/call as `caller`; the reply body."""
    context = {"caller": caller} if caller else {}
    response = await http.post(f"{url}/mcp/call", json={"tool": tool, "arguments": arguments, "context": context})
    assert response.status_code == 200
    return response.json()


async def place_order(http: httpx.AsyncClient, order_url: str, *, key: str = "track-0001") -> str:
    """Ada orders a paneer tikka masala home through the real order service; the order id."""
    arguments = {
        "email": ADA,
        "items": [{"item_id": "m-09", "quantity": 1}],
        "address_id": "addr-ada-home",
        "idempotency_key": key,
    }
    body = await call(http, order_url, "create_order", arguments, ADA)
    assert body["ok"], body
    order_id: str = body["result"]["order_id"]
    return order_id
