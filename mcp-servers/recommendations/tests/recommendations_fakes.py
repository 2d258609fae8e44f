"""Small fakes of the menu, customer_profile and order services, following the shared contract.

Built with `ToolRegistry` + `create_service_app` and fed from the menu and profile seeds, served on
loopback by the tests. Each fake records the calls it receives (tool, arguments, context) so tests
can check identity and trace propagation. `FakeMenu(ignore_filters=True)` misbehaves on purpose:
it returns every dish whatever the diet and allergen filters say.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, EmailStr, Field

from customer_profile_service.demo_profiles import PROFILES
from mcp_common.app import ServiceConfig, create_service_app
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.food import CATEGORIES, Allergen, DietaryTag
from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext
from mcp_devtools.testing import free_port, serve
from menu_service.demo_menu import MENU, DemoMenuItem


@dataclass(frozen=True)
class Seen:
    """One call a fake received."""

    service: str
    tool: str
    arguments: dict[str, Any]
    context: CallContext


@dataclass
class CallLog:
    """Calls received by all fakes, in arrival order (appended from the server threads)."""

    calls: list[Seen] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, service: str, tool: str, args: BaseModel, ctx: CallContext) -> None:
        with self._lock:
            self.calls.append(Seen(service, tool, args.model_dump(mode="json"), ctx))

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    def of(self, service: str) -> list[Seen]:
        with self._lock:
            return [c for c in self.calls if c.service == service]


_QUIET = ServiceConfig(log_payloads=False)


# --- menu -------------------------------------------------------------------------------------


class SearchArgs(BaseModel):
    text: str | None = Field(default=None, description="Words to find in name, description or cuisine.")
    category: str | None = Field(default=None, description="Only this category.")
    dietary: list[DietaryTag] | None = Field(default=None, description="Tags every dish must carry.")
    exclude_allergens: list[Allergen] | None = Field(default=None, description="Allergens no dish may contain.")
    max_price: float | None = Field(default=None, description="Maximum price in pounds.")
    include_unavailable: bool = Field(default=False, description="Include unavailable dishes.")
    limit: int = Field(default=10, ge=1, le=50, description="Maximum number of dishes.")


class MenuItem(BaseModel):
    item_id: str
    name: str
    description: str
    category: str
    cuisine: str
    price_cents: int
    currency: str = "GBP"
    dietary_tags: list[str]
    allergens: list[str]
    available: bool
    spicy: bool


class MenuResponse(BaseModel):
    items: list[MenuItem]
    total: int
    filters: dict[str, Any]


class ItemArgs(BaseModel):
    item_id: str = Field(description="Menu item id.")


def menu_item(item: DemoMenuItem) -> MenuItem:
    return MenuItem(
        item_id=item.item_id,
        name=item.name,
        description=item.description,
        category=item.category,
        cuisine=item.cuisine,
        price_cents=item.price_cents,
        dietary_tags=list(item.dietary_tags),
        allergens=list(item.allergens),
        available=item.available,
        spicy=item.spicy,
    )


def _matches(item: DemoMenuItem, args: SearchArgs, *, ignore_filters: bool) -> bool:
    if args.text and not all(
        w in f"{item.name} {item.description} {item.cuisine}".lower() for w in args.text.lower().split()
    ):
        return False
    if args.category and item.category != args.category:
        return False
    if args.max_price is not None and item.price_cents > args.max_price * 100:
        return False
    if not args.include_unavailable and not item.available:
        return False
    if ignore_filters:
        return True
    return set(args.dietary or ()) <= set(item.dietary_tags) and not set(args.exclude_allergens or ()) & set(
        item.allergens
    )


def menu_app(log: CallLog, *, ignore_filters: bool = False) -> FastAPI:
    registry = ToolRegistry("menu")

    @registry.tool(cache_ttl_s=300, examples=["what's on the menu?"])
    async def search_menu(args: SearchArgs, ctx: CallContext) -> MenuResponse:
        """Search the menu."""
        log.add("menu", "search_menu", args, ctx)
        found = [i for i in MENU if _matches(i, args, ignore_filters=ignore_filters)]
        found.sort(key=lambda i: (CATEGORIES.index(i.category), i.price_cents, i.item_id))
        echo = args.model_dump(exclude_none=True)
        return MenuResponse(items=[menu_item(i) for i in found[: args.limit]], total=len(found), filters=echo)

    @registry.tool(cache_ttl_s=300, examples=["tell me about m-01"])
    async def get_item(args: ItemArgs, ctx: CallContext) -> MenuItem:
        """One menu item."""
        log.add("menu", "get_item", args, ctx)
        item = next((i for i in MENU if i.item_id == args.item_id), None)
        if item is None:
            raise ServiceError(ErrorCode.NOT_FOUND, f"no menu item {args.item_id}")
        return menu_item(item)

    return create_service_app(registry, _QUIET)


# --- customer_profile ---------------------------------------------------------------------------


class EmailArgs(BaseModel):
    email: EmailStr = Field(description="The customer's email.")


class Address(BaseModel):
    address_id: str
    label: str
    line1: str
    city: str
    postcode: str
    country: str
    is_default: bool


class UserProfileResponse(BaseModel):
    email: str
    name: str
    addresses: list[Address]
    dietary_preferences: list[str]
    allergens: list[str]
    favourite_cuisines: list[str]
    loyalty_points: int


def profile_app(log: CallLog) -> FastAPI:
    registry = ToolRegistry("customer_profile")

    @registry.tool(identity_args=("email",), cache_ttl_s=120, examples=["what are my dietary preferences?"])
    async def get_profile(args: EmailArgs, ctx: CallContext) -> UserProfileResponse:
        """The customer's profile."""
        log.add("customer_profile", "get_profile", args, ctx)
        found = PROFILES.get(str(args.email).lower())
        if found is None:
            raise ServiceError(ErrorCode.NOT_FOUND, "no profile for that email")
        return UserProfileResponse(
            email=found.email,
            name=found.name,
            addresses=[Address(**vars(a)) for a in found.addresses],
            dietary_preferences=list(found.dietary_preferences),
            allergens=list(found.allergens),
            favourite_cuisines=list(found.favourite_cuisines),
            loyalty_points=found.loyalty_points,
        )

    return create_service_app(registry, _QUIET)


# --- order --------------------------------------------------------------------------------------

EPOCH = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

# Ada's delivered orders: vegetarian and peanut-free, mostly Indian; the cancelled one is ignored.
ADA_ORDERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("delivered", ("m-09", "m-54")),
    ("delivered", ("m-09", "m-49")),
    ("delivered", ("m-10", "m-57")),
    ("delivered", ("m-12", "m-43")),
    ("delivered", ("m-09", "m-45")),
    ("cancelled", ("m-16",)),
)


class ListOrdersArgs(EmailArgs):
    limit: int = Field(default=10, ge=1, le=50, description="Maximum number of orders.")


class OrderItem(BaseModel):
    item_id: str
    name: str
    quantity: int
    unit_price_cents: int
    line_total_cents: int
    notes: str | None = None


class DeliveryAddress(BaseModel):
    address_id: str
    label: str
    line1: str
    city: str
    postcode: str


class StatusChange(BaseModel):
    status: str
    at: datetime
    note: str | None = None


class OrderResponse(BaseModel):
    order_id: str
    email: str
    status: str
    items: list[OrderItem]
    subtotal_cents: int
    delivery_fee_cents: int
    total_cents: int
    currency: str = "GBP"
    delivery_address: DeliveryAddress
    created_at: datetime
    estimated_delivery_at: datetime
    history: list[StatusChange]
    cancellable: bool


class OrderList(BaseModel):
    email: str
    orders: list[OrderResponse]
    total_count: int


def demo_orders(email: str) -> list[tuple[str, tuple[str, ...]]]:
    """(status, item ids) of the customer's past orders, newest first: Ada's fixed list, else two
    delivered orders of dishes from their favourite cuisines that fit their profile."""
    if email == "ada@example.com":
        return list(ADA_ORDERS)
    person = PROFILES[email]
    fits = [
        i
        for i in MENU
        if i.cuisine in person.favourite_cuisines
        and set(person.dietary_preferences) <= set(i.dietary_tags)
        and not set(person.allergens) & set(i.allergens)
    ]
    return [("delivered", tuple(i.item_id for i in fits[n::2][:3])) for n in range(2) if fits[n::2]]


def _order(email: str, n: int, status: str, item_ids: tuple[str, ...]) -> OrderResponse:
    created = EPOCH - timedelta(days=3 * (n + 1))
    items = [next(i for i in MENU if i.item_id == item_id) for item_id in item_ids]
    subtotal = sum(i.price_cents for i in items)
    fee = 0 if subtotal >= 3000 else 299
    home = PROFILES[email].default_address
    return OrderResponse(
        order_id=f"ord-{n:012x}",
        email=email,
        status=status,
        items=[
            OrderItem(
                item_id=i.item_id,
                name=i.name,
                quantity=1,
                unit_price_cents=i.price_cents,
                line_total_cents=i.price_cents,
            )
            for i in items
        ],
        subtotal_cents=subtotal,
        delivery_fee_cents=fee,
        total_cents=subtotal + fee,
        delivery_address=DeliveryAddress(
            address_id=home.address_id, label=home.label, line1=home.line1, city=home.city, postcode=home.postcode
        ),
        created_at=created,
        estimated_delivery_at=created + timedelta(minutes=45),
        history=[StatusChange(status="placed", at=created), StatusChange(status=status, at=created)],
        cancellable=False,
    )


def order_app(log: CallLog, *, fail_with: ErrorCode | None = None) -> FastAPI:
    registry = ToolRegistry("order")

    @registry.tool(identity_args=("email",), cache_ttl_s=30, examples=["show my orders"])
    async def list_orders(args: ListOrdersArgs, ctx: CallContext) -> OrderList:
        """The customer's orders, newest first."""
        log.add("order", "list_orders", args, ctx)
        if fail_with is not None:
            raise ServiceError(fail_with, "order store failed")
        email = str(args.email).lower()
        every = [_order(email, n, s, ids) for n, (s, ids) in enumerate(demo_orders(email))]
        return OrderList(email=email, orders=every[: args.limit], total_count=len(every))

    return create_service_app(registry, _QUIET)


# --- serving ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Downstreams:
    """Base URLs of the served fakes (a dead URL where a service is down) and their call log."""

    menu_url: str
    customer_profile_url: str
    order_url: str
    log: CallLog


def dead_url() -> str:
    """A loopback URL nothing listens on: a service that is down."""
    return f"http://127.0.0.1:{free_port()}"


@contextmanager
def serve_downstreams(
    *,
    ignore_filters: bool = False,
    menu_down: bool = False,
    profile_down: bool = False,
    order_down: bool = False,
    order_fails_with: ErrorCode | None = None,
) -> Iterator[Downstreams]:
    """Serve the three fakes on loopback; `*_down` leaves that one unserved (its URL refuses connections)."""
    log = CallLog()
    with ExitStack() as stack:
        menu = dead_url() if menu_down else stack.enter_context(serve(menu_app(log, ignore_filters=ignore_filters)))
        profile = dead_url() if profile_down else stack.enter_context(serve(profile_app(log)))
        order = dead_url() if order_down else stack.enter_context(serve(order_app(log, fail_with=order_fails_with)))
        yield Downstreams(menu_url=menu, customer_profile_url=profile, order_url=order, log=log)
