"""The services an order depends on, seen through the few fields it reads.

Each gateway calls its service with the caller's context and maps the downstream errors that
mean "your request is wrong" onto this service's answers; outages (SERVICE_UNAVAILABLE,
SERVICE_TIMEOUT, …) pass through unchanged.
"""

from __future__ import annotations

from pydantic import BaseModel

from mcp_common.client import ServiceClient
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.wire import CallContext


class MenuItemRef(BaseModel):
    """What an order reads of a menu item."""

    item_id: str
    name: str
    price_cents: int
    available: bool = True


class MenuItemBatch(BaseModel):
    """The menu's `get_items` answer."""

    items: list[MenuItemRef]
    missing: list[str] = []


class AddressRef(BaseModel):
    """What an order copies of a saved address."""

    address_id: str
    label: str
    line1: str
    city: str
    postcode: str
    country: str = "GB"


class ProfileRef(BaseModel):
    """What an order reads of a customer profile."""

    email: str
    addresses: list[AddressRef] = []


class MenuGateway:
    """The menu service's `get_items`."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def items(self, item_ids: list[str], ctx: CallContext) -> MenuItemBatch:
        try:
            return await self.client.call("get_items", {"item_ids": item_ids}, ctx, MenuItemBatch)
        except ServiceError as exc:
            if exc.code is ErrorCode.NOT_FOUND:
                raise ServiceError(ErrorCode.INVALID_REQUEST, exc.message) from exc
            raise


class ProfileGateway:
    """The customer_profile service's `get_profile`."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def address(self, email: str, address_id: str, ctx: CallContext) -> AddressRef:
        """The customer's saved address `address_id`; INVALID_REQUEST when it is not theirs."""
        try:
            profile = await self.client.call("get_profile", {"email": email}, ctx, ProfileRef)
        except ServiceError as exc:
            if exc.code is ErrorCode.NOT_FOUND:
                raise ServiceError(
                    ErrorCode.INVALID_REQUEST, f"no customer profile for {email}: add a delivery address first"
                ) from exc
            raise
        found = next((a for a in profile.addresses if a.address_id == address_id), None)
        if found is None:
            raise ServiceError(ErrorCode.INVALID_REQUEST, f"address {address_id} is not one of your saved addresses")
        return found
