"""The world tracking runs in during tests: fake menu and customer_profile services (their contract,
the demo_food data) behind the REAL order service, all on loopback; shared by the tracking tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, EmailStr, Field

from mcp_common.app import create_service_app
from mcp_common.clock import Clock
from mcp_common.demo_food import MENU, PROFILES
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.registry import ToolRegistry
from mcp_common.testing import serve
from mcp_common.wire import CallContext
from order_service.app import create_app as create_order_app
from order_service.settings import Settings as OrderSettings
from tracking_service.app import create_app
from tracking_service.settings import Settings

ADA = "ada@example.com"
GRACE = "grace@example.com"


class MenuItem(BaseModel):
    item_id: str = Field(description="Menu item id.")
    name: str = Field(description="Name.")
    category: str = Field(description="Category.")
    cuisine: str = Field(description="Cuisine.")
    price_cents: int = Field(description="Price in pence.")
    currency: str = Field(description="Currency.")
    available: bool = Field(description="Orderable now.")


class ItemIdsArgs(BaseModel):
    item_ids: list[str] = Field(min_length=1, max_length=50, description="Menu item ids.")


class MenuItemList(BaseModel):
    items: list[MenuItem] = Field(description="The items found.")
    missing: list[str] = Field(description="Ids not on the menu.")


class EmailArgs(BaseModel):
    email: EmailStr = Field(description="Customer email.")


class Address(BaseModel):
    address_id: str = Field(description="Address id.")
    label: str = Field(description="home, work or other.")
    line1: str = Field(description="Street.")
    city: str = Field(description="City.")
    postcode: str = Field(description="Postcode.")
    country: str = Field(description="Country code.")
    is_default: bool = Field(description="Default address.")


class UserProfileResponse(BaseModel):
    email: str = Field(description="Email.")
    name: str = Field(description="Name.")
    addresses: list[Address] = Field(description="Saved addresses.")


def fake_menu_registry() -> ToolRegistry:
    registry = ToolRegistry("menu")
    by_id = {item.item_id: item for item in MENU}

    @registry.tool()
    async def get_items(args: ItemIdsArgs, ctx: CallContext) -> MenuItemList:
        """Several menu items by id."""
        found = [
            MenuItem(
                item_id=i.item_id, name=i.name, category=i.category, cuisine=i.cuisine,
                price_cents=i.price_cents, currency="GBP", available=i.available,
            )
            for i in (by_id[item_id] for item_id in args.item_ids if item_id in by_id)
        ]  # fmt: skip
        return MenuItemList(items=found, missing=[i for i in args.item_ids if i not in by_id])

    return registry


def fake_profile_registry() -> ToolRegistry:
    registry = ToolRegistry("customer_profile")

    @registry.tool(identity_args=("email",))
    async def get_profile(args: EmailArgs, ctx: CallContext) -> UserProfileResponse:
        """The customer's profile."""
        profile = PROFILES.get(args.email.lower())
        if profile is None:
            raise ServiceError(ErrorCode.NOT_FOUND, "no customer profile with that email")
        addresses = [Address(**vars(a)) for a in profile.addresses]
        return UserProfileResponse(email=profile.email, name=profile.name, addresses=addresses)

    return registry


@contextmanager
def serve_order_world(database: Path, clock: Clock, *, seed_demo: bool = False) -> Iterator[str]:
    """The real order service (on SQLite at `database`) with fake menu and profile; yields its URL."""
    with (
        serve(create_service_app(fake_menu_registry())) as menu_url,
        serve(create_service_app(fake_profile_registry())) as profile_url,
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
