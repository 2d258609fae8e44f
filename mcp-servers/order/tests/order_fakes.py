"""Small fakes of the menu and customer_profile services (their contract, the demo_food data), and
helpers to serve them and the order app on loopback; shared by the order service's tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import BaseModel, EmailStr, Field

from mcp_common.app import create_service_app
from mcp_common.clock import Clock
from mcp_common.demo_food import MENU, PROFILES, DemoMenuItem
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.registry import ToolRegistry
from mcp_common.testing import free_port, serve
from mcp_common.wire import CallContext
from order_service.app import create_app
from order_service.settings import Settings

ADA = "ada@example.com"
GRACE = "grace@example.com"


class MenuItem(BaseModel):
    item_id: str = Field(description="Menu item id.")
    name: str = Field(description="Name.")
    description: str = Field(description="Description.")
    category: str = Field(description="Category.")
    cuisine: str = Field(description="Cuisine.")
    price_cents: int = Field(description="Price in pence.")
    currency: str = Field(description="Currency.")
    dietary_tags: list[str] = Field(description="Dietary tags.")
    allergens: list[str] = Field(description="Allergens.")
    available: bool = Field(description="Orderable now.")
    spicy: bool = Field(description="Spicy.")


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


def menu_item(item: DemoMenuItem) -> MenuItem:
    return MenuItem(
        item_id=item.item_id,
        name=item.name,
        description=item.description,
        category=item.category,
        cuisine=item.cuisine,
        price_cents=item.price_cents,
        currency="GBP",
        dietary_tags=list(item.dietary_tags),
        allergens=list(item.allergens),
        available=item.available,
        spicy=item.spicy,
    )


def fake_menu_registry() -> ToolRegistry:
    """The menu service's `get_items` over the demo menu."""
    registry = ToolRegistry("menu")
    by_id = {item.item_id: item for item in MENU}

    @registry.tool(cache_ttl_s=300)
    async def get_items(args: ItemIdsArgs, ctx: CallContext) -> MenuItemList:
        """Several menu items by id."""
        found = [menu_item(by_id[i]) for i in args.item_ids if i in by_id]
        return MenuItemList(items=found, missing=[i for i in args.item_ids if i not in by_id])

    return registry


def fake_profile_registry() -> ToolRegistry:
    """The customer_profile service's `get_profile` over the demo profiles."""
    registry = ToolRegistry("customer_profile")

    @registry.tool(identity_args=("email",), cache_ttl_s=120)
    async def get_profile(args: EmailArgs, ctx: CallContext) -> UserProfileResponse:
        """The customer's profile."""
        profile = PROFILES.get(args.email.lower())
        if profile is None:
            raise ServiceError(ErrorCode.NOT_FOUND, "no customer profile with that email")
        addresses = [Address(**vars(a)) for a in profile.addresses]
        return UserProfileResponse(email=profile.email, name=profile.name, addresses=addresses)

    return registry


@dataclass(frozen=True)
class Fakes:
    menu_url: str
    profile_url: str


@contextmanager
def serve_fakes() -> Iterator[Fakes]:
    """The fake menu and customer_profile services on loopback ports."""
    with (
        serve(create_service_app(fake_menu_registry())) as menu_url,
        serve(create_service_app(fake_profile_registry())) as profile_url,
    ):
        yield Fakes(menu_url, profile_url)


def order_settings(database_url: str, fakes: Fakes, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "menu_url": fakes.menu_url,
        "customer_profile_url": fakes.profile_url,
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
