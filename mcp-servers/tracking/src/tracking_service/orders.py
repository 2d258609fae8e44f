"""The order service, seen through the few fields tracking reads.

`get_order` is called with the caller's own context, so the order service's ownership check
holds: someone else's order is NOT_FOUND, exactly as a missing one. Its errors, and outages
(SERVICE_UNAVAILABLE, SERVICE_TIMEOUT, …), pass through unchanged.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from mcp_common.client import ServiceClient
from mcp_common.wire import CallContext
from tracking_service.models import OrderStatus


class OrderStatusChange(BaseModel):
    status: OrderStatus
    at: datetime


class OrderSnapshot(BaseModel):
    """What tracking reads of an order."""

    order_id: str
    status: OrderStatus
    created_at: datetime
    estimated_delivery_at: datetime | None = None
    history: list[OrderStatusChange] = []


class OrderGateway:
    """The order service's `get_order`."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def order(self, order_id: str, ctx: CallContext) -> OrderSnapshot:
        return await self.client.call("get_order", {"order_id": order_id}, ctx, OrderSnapshot)
