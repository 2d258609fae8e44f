"""What this service reads from menu, customer_profile and order, over their `/mcp/call` tools.

The views below are this service's own minimal models of their answers (extra fields are ignored).
Downstream errors are mapped here, at this one boundary.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

from mcp_common.client import ServiceClient
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.food import CATEGORIES
from mcp_common.wire import CallContext

logger = logging.getLogger(__name__)

SEARCH_LIMIT = 50  # the menu's maximum page
HISTORY_LIMIT = 50  # the order service's maximum page
_UNREACHABLE = frozenset({ErrorCode.SERVICE_UNAVAILABLE, ErrorCode.SERVICE_TIMEOUT})


class MenuItemView(BaseModel):
    item_id: str
    name: str
    description: str = ""
    category: str
    cuisine: str
    price_cents: int
    # Required, never defaulted: a dish whose allergens are not stated is not a dish without allergens.
    dietary_tags: list[str]
    allergens: list[str]
    available: bool
    spicy: bool = False


class MenuSearchView(BaseModel):
    items: list[MenuItemView]
    total: int


class ProfileView(BaseModel):
    email: str
    dietary_preferences: list[str]
    allergens: list[str]
    favourite_cuisines: list[str] = Field(default_factory=list)


class OrderLineView(BaseModel):
    item_id: str
    name: str = ""
    quantity: int = 1


class OrderView(BaseModel):
    order_id: str
    status: str
    items: list[OrderLineView]
    created_at: datetime | None = None


class OrderListView(BaseModel):
    orders: list[OrderView]


@dataclass(frozen=True)
class History:
    """The customer's past orders, or why they could not be read."""

    orders: list[OrderView]
    unavailable_reason: str | None = None


class Downstream:
    """The three services `recommend` reads, each called with the caller's context (identity and trace)."""

    def __init__(self, *, menu: ServiceClient, customer_profile: ServiceClient, order: ServiceClient) -> None:
        self.menu = menu
        self.customer_profile = customer_profile
        self.order = order

    async def profile(self, email: str, ctx: CallContext) -> ProfileView:
        """The customer's profile; without it no dish can be checked against their allergies, so errors raise."""
        try:
            return await self.customer_profile.call("get_profile", {"email": email}, ctx, ProfileView)
        except ServiceError as exc:
            if exc.code == ErrorCode.NOT_FOUND:
                raise ServiceError(ErrorCode.NOT_FOUND, "no customer profile for that email") from exc
            if exc.code in _UNREACHABLE:
                raise ServiceError(
                    exc.code,
                    "the customer profile service is unavailable, so dietary needs and allergies cannot "
                    "be checked; no recommendations can be made right now",
                ) from exc
            raise

    async def history(self, email: str, ctx: CallContext) -> History:
        """The customer's recent orders; a failing order service degrades to an empty history with a reason."""
        try:
            found = await self.order.call("list_orders", {"email": email, "limit": HISTORY_LIMIT}, ctx, OrderListView)
        except ServiceError as exc:
            if exc.code == ErrorCode.FORBIDDEN:
                raise
            if exc.code == ErrorCode.NOT_FOUND:
                return History(orders=[])
            logger.warning("order history unavailable for recommendations: %s %s", exc.code.value, exc.message)
            return History(orders=[], unavailable_reason=_why(exc))
        return History(orders=found.orders)

    async def menu_items(self, profile: ProfileView, ctx: CallContext) -> list[MenuItemView]:
        """Every available dish the menu finds for the customer's diet and allergies (filtered again locally)."""
        filters: dict[str, object] = {"dietary": profile.dietary_preferences, "exclude_allergens": profile.allergens}
        first = await self._search(filters, ctx)
        if first.total <= len(first.items):
            return first.items
        # More matches than one page: one search per category, each its own page.
        pages = await asyncio.gather(*(self._search({**filters, "category": c}, ctx) for c in CATEGORIES))
        unique = {item.item_id: item for page in pages for item in page.items}
        return list(unique.values())

    async def _search(self, filters: dict[str, object], ctx: CallContext) -> MenuSearchView:
        arguments = {**filters, "include_unavailable": False, "limit": SEARCH_LIMIT}
        try:
            return await self.menu.call("search_menu", arguments, ctx, MenuSearchView)
        except ServiceError as exc:
            if exc.code in _UNREACHABLE:
                raise ServiceError(
                    exc.code, "the menu service is unavailable, so no dishes can be recommended right now"
                ) from exc
            raise

    async def aclose(self) -> None:
        await asyncio.gather(self.menu.aclose(), self.customer_profile.aclose(), self.order.aclose())


def _why(exc: ServiceError) -> str:
    if exc.code == ErrorCode.SERVICE_TIMEOUT:
        return "the order service did not answer in time"
    if exc.code == ErrorCode.SERVICE_UNAVAILABLE:
        return "the order service is unavailable"
    return "the order service answered with an error"
