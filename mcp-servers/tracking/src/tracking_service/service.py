"""`TrackingService`: an order's timeline, courier and arrival estimate; framework-free."""

from __future__ import annotations

import math
from datetime import datetime

from mcp_common.clock import Clock
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.wire import CallContext
from tracking_service.couriers import CourierStore, mask_phone
from tracking_service.db import CourierRow
from tracking_service.models import DELIVERY_PATH, Courier, OrderStatus, TimelineStep, TrackingResponse
from tracking_service.orders import OrderGateway, OrderSnapshot

COURIER_STATUSES: frozenset[OrderStatus] = frozenset({"preparing", "out_for_delivery", "delivered"})
"""Statuses in which the order has a courier."""


class TrackingService:
    """The `track_order` behaviour over the order service and the courier store."""

    def __init__(self, *, orders: OrderGateway, couriers: CourierStore, clock: Clock) -> None:
        self.orders = orders
        self.couriers = couriers
        self.clock = clock

    async def track(self, order_id: str, ctx: CallContext) -> TrackingResponse:
        if not ctx.caller:
            raise ServiceError(ErrorCode.FORBIDDEN, "track_order needs the caller's identity")
        order = await self.orders.order(order_id, ctx)
        now = self.clock.now()
        courier = await self.couriers.courier_for(order.order_id) if order.status in COURIER_STATUSES else None
        eta = order.estimated_delivery_at if order.status not in ("delivered", "cancelled") else None
        eta_minutes = None if eta is None else max(0, math.ceil((eta - now).total_seconds() / 60))
        return TrackingResponse(
            order_id=order.order_id,
            status=order.status,
            timeline=timeline(order),
            courier=_public(courier),
            eta=eta,
            eta_minutes=eta_minutes,
            updated_at=max((change.at for change in order.history), default=order.created_at),
            checked_at=now,
            summary=summary(order, courier, eta_minutes),
        )


def timeline(order: OrderSnapshot) -> list[TimelineStep]:
    """Every status of the delivery path, done or upcoming; a cancelled order's stops at `cancelled`."""
    reached = {change.status: change.at for change in order.history}
    if order.status == "cancelled":
        statuses = [s for s in DELIVERY_PATH if s in reached] + ["cancelled"]
    else:
        statuses = list(DELIVERY_PATH)
    return [TimelineStep(status=s, at=reached.get(s), done=s in reached or s == order.status) for s in statuses]


def summary(order: OrderSnapshot, courier: CourierRow | None, eta_minutes: int | None) -> str:
    """Where the order is, in one sentence."""
    arriving = f" Expected in about {eta_minutes} minutes." if eta_minutes is not None else ""
    who = f"{courier.name} ({courier.vehicle})" if courier else "A courier"
    reached = {change.status: change.at for change in order.history}
    texts: dict[OrderStatus, str] = {
        "placed": "Your order is placed and waiting for the restaurant to confirm it.",
        "confirmed": "The restaurant has confirmed your order.",
        "preparing": f"The kitchen is preparing your food; {who} will deliver it.",
        "out_for_delivery": f"{who} is on the way with your order.",
        "delivered": f"Your order was delivered{_at(reached.get('delivered'))}.",
        "cancelled": f"Your order was cancelled{_at(reached.get('cancelled'))}.",
    }
    return texts[order.status] + arriving


def _at(moment: datetime | None) -> str:
    return f" at {moment:%H:%M} UTC on {moment:%d %b %Y}" if moment else ""


def _public(courier: CourierRow | None) -> Courier | None:
    if courier is None:
        return None
    return Courier(name=courier.name, vehicle=courier.vehicle, phone_masked=mask_phone(courier.phone))
