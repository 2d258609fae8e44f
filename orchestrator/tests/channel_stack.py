"""The channel tests' stack: the food services in-process on loopback, and orchestrators with channels on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from channel_clients import AUTH_TOKEN, PUBLIC_URL, WEBHOOK_SECRET

from customer_profile_service.app import create_app as profile_app
from customer_profile_service.settings import Settings as ProfileSettings
from mcp_devtools.testing import serve
from menu_service.app import create_app as menu_app
from menu_service.settings import Settings as MenuSettings
from orchestrator.app import create_app
from orchestrator.settings import Settings
from order_service.app import create_app as order_app
from order_service.settings import Settings as OrderSettings
from tracking_service.app import create_app as tracking_app
from tracking_service.settings import Settings as TrackingSettings

NUMBERS = {"+15550100": "default", "+15550200": "beta"}


@contextmanager
def food_services(data: Path) -> Iterator[dict[str, str]]:
    """menu, customer_profile, order and tracking with their demo data (SQLite files in `data`), on loopback."""

    def db(name: str) -> str:
        return f"sqlite+aiosqlite:///{data / name}.db"

    with (
        serve(menu_app(MenuSettings(database_url=db("menu")))) as menu,
        serve(profile_app(ProfileSettings(database_url=db("profile")))) as profile,
        serve(order_app(OrderSettings(database_url=db("order"), menu_url=menu, customer_profile_url=profile))) as order,
        serve(tracking_app(TrackingSettings(database_url=db("tracking"), order_url=order))) as tracking,
    ):
        yield {"menu": menu, "customer_profile": profile, "order": order, "tracking": tracking}


def channel_settings(services: dict[str, str], **overrides: Any) -> Settings:
    """An orchestrator on `services` with Twilio (two numbers, two tenants) and one webhook integration."""
    settings: dict[str, Any] = {
        "services": services,
        "state_backend": "memory",
        "catalog_refresh_s": 3600,
        "public_url": PUBLIC_URL,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_numbers": NUMBERS,
        "webhook_integrations": {"n8n": {"secret": WEBHOOK_SECRET, "tenant": "default"}},
    }
    return Settings(**(settings | overrides))


@contextmanager
def orchestrator(services: dict[str, str], **overrides: Any) -> Iterator[str]:
    with serve(create_app(channel_settings(services, **overrides))) as url:
        yield url
