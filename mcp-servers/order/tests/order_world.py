"""The order service's world in tests: the real menu and customer_profile services on loopback
(SQLite, demo data) as its peers, and helpers to serve the order app beside them; shared by the
order service's tests."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from customer_profile_service.app import create_app as create_profile_app
from customer_profile_service.settings import Settings as ProfileSettings
from mcp_common.clock import Clock
from mcp_devtools.testing import free_port, serve
from menu_service.app import create_app as create_menu_app
from menu_service.settings import Settings as MenuSettings
from order_service.app import create_app
from order_service.settings import Settings

ADA = "ada@example.com"
GRACE = "grace@example.com"


@dataclass(frozen=True)
class Peers:
    menu_url: str
    profile_url: str


@contextmanager
def serve_peers() -> Iterator[Peers]:
    """The real menu and customer_profile services (demo data, SQLite in a temporary directory)."""
    with tempfile.TemporaryDirectory(prefix="order-peers-") as directory:
        menu_db, profile_db = Path(directory) / "menu.db", Path(directory) / "profiles.db"
        with (
            serve(create_menu_app(MenuSettings(_env_file=None, database_url=f"sqlite+aiosqlite:///{menu_db}"))) as menu,
            serve(
                create_profile_app(ProfileSettings(_env_file=None, database_url=f"sqlite+aiosqlite:///{profile_db}"))
            ) as profiles,
        ):
            yield Peers(menu, profiles)


def order_settings(database_url: str, peers: Peers, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "menu_url": peers.menu_url,
        "customer_profile_url": peers.profile_url,
        "seed_demo": False,
        **overrides,
    }
    return Settings(_env_file=None, **values)


@contextmanager
def serve_order(settings: Settings, clock: Clock) -> Iterator[str]:
    """The real order app on a loopback port; yields its base URL."""
    with serve(create_app(settings, clock=clock)) as url:
        yield url


def unreachable_url() -> str:
    """A loopback URL nothing listens on."""
    return f"http://127.0.0.1:{free_port()}"


async def call(http: httpx.AsyncClient, url: str, tool: str, arguments: dict[str, Any], caller: str | None) -> Any:
    """POST /mcp/call as `caller`; the reply body."""
    context = {"caller": caller} if caller else {}
    response = await http.post(f"{url}/mcp/call", json={"tool": tool, "arguments": arguments, "context": context})
    assert response.status_code == 200
    return response.json()


def cart(*lines: tuple[str, int], address_id: str = "addr-ada-home", key: str = "key-00000001") -> dict[str, Any]:
    """`create_order` arguments for Ada."""
    return {
        "email": ADA,
        "items": [{"item_id": item_id, "quantity": quantity} for item_id, quantity in lines],
        "address_id": address_id,
        "idempotency_key": key,
    }
