"""`OrderService`: placing, reading, listing and cancelling orders; framework-free.

Reads never write: an order is answered in its current status, the stored one with the lifecycle
steps due by now applied in memory (`current_history`), so every read tool answers from a
read-only database. The steps are written by the next write of the order (a cancellation), with
the times they were scheduled at, so the history reads the same before and after. Orders keyed by
id are answered to their owner only: anyone else gets the same NOT_FOUND as for an id that does
not exist.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
from datetime import datetime
from typing import cast

from sqlalchemy.exc import IntegrityError

from mcp_common.clock import Clock
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.wire import CallContext
from order_service.db import OrderEventRow, OrderLineRow, OrderRow
from order_service.downstream import AddressRef, MenuGateway, MenuItemBatch, MenuItemRef, ProfileGateway
from order_service.lifecycle import CANCELLABLE, STATUS_NOTES, OrderStatus, OrderTimings, due_steps
from order_service.models import (
    CreateOrderArgs,
    DeliveryAddress,
    OrderItem,
    OrderLineRequest,
    OrderList,
    OrderQuote,
    OrderResponse,
    QuoteOrderArgs,
    StatusChange,
)
from order_service.pricing import CURRENCY, delivery_fee_cents
from order_service.store import OrderStore


class OrderService:
    """The order tools' behaviour over an `OrderStore` and the menu and profile services."""

    def __init__(
        self, *, store: OrderStore, menu: MenuGateway, profiles: ProfileGateway, clock: Clock, timings: OrderTimings
    ) -> None:
        self.store = store
        self.menu = menu
        self.profiles = profiles
        self.clock = clock
        self.timings = timings

    async def create_order(self, args: CreateOrderArgs, ctx: CallContext) -> OrderResponse:
        """Place an order, or return the one already placed with the same idempotency key."""
        email, fingerprint = args.email.lower(), request_fingerprint(args)
        replay = await self._replay(email, args.idempotency_key, fingerprint)
        if replay is not None:
            return replay
        menu, address = await self._checked(email, args, ctx)
        order = self._new_order(email, args, fingerprint, menu, address)
        try:
            await self.store.add(order)
        except IntegrityError:
            replay = await self._replay(email, args.idempotency_key, fingerprint)
            if replay is None:
                raise
            return replay
        return self._response(order)

    async def quote_order(self, args: QuoteOrderArgs, ctx: CallContext) -> OrderQuote:
        """What `create_order` would charge for this cart and address now; nothing is written."""
        email = args.email.lower()
        menu, address = await self._checked(email, args, ctx)
        lines = [_line(position, line, menu[line.item_id]) for position, line in enumerate(args.items)]
        subtotal = sum(line.line_total_cents for line in lines)
        fee = delivery_fee_cents(subtotal)
        return OrderQuote(
            email=email,
            items=[_item(line) for line in lines],
            subtotal_cents=subtotal,
            delivery_fee_cents=fee,
            total_cents=subtotal + fee,
            currency=CURRENCY,
            delivery_address=DeliveryAddress(
                address_id=address.address_id,
                label=address.label,
                line1=address.line1,
                city=address.city,
                postcode=address.postcode,
                country=address.country,
            ),
            estimated_delivery_minutes=round(self.timings.until_delivered().total_seconds() / 60),
        )

    async def _checked(
        self, email: str, args: QuoteOrderArgs, ctx: CallContext
    ) -> tuple[dict[str, MenuItemRef], AddressRef]:
        """The menu items (existing, available) and the caller's address the cart names."""
        item_ids = list(dict.fromkeys(line.item_id for line in args.items))
        batch, address = await asyncio.gather(
            self.menu.items(item_ids, ctx), self.profiles.address(email, args.address_id, ctx), return_exceptions=True
        )
        if isinstance(batch, BaseException):
            raise batch
        menu = checked_items(item_ids, batch)
        if isinstance(address, BaseException):
            raise address
        return menu, address

    async def get_order(self, order_id: str, ctx: CallContext) -> OrderResponse:
        return self._response(await self._owned(order_id, _caller(ctx, "get_order")))

    async def list_orders(self, email: str, limit: int) -> OrderList:
        email = email.lower()
        rows = await self.store.recent(email, limit)
        total = await self.store.count(email)
        return OrderList(email=email, orders=[self._response(row) for row in rows], total_count=total)

    async def cancel_order(self, order_id: str, reason: str, ctx: CallContext) -> OrderResponse:
        """Cancel the caller's order while it is placed, confirmed or preparing; CONFLICT after that.

        The steps the order took since it was last written are written with the cancellation."""
        caller = _caller(ctx, "cancel_order")
        for _ in range(3):
            now = self.clock.now()
            order = await self._owned(order_id, caller)
            stored = cast(OrderStatus, order.status)
            steps = due_steps(stored, order.status_at, now, self.timings)
            status = steps[-1][0] if steps else stored
            if status not in CANCELLABLE:
                raise ServiceError(ErrorCode.CONFLICT, f"order {order_id} can no longer be cancelled: it is {status}")
            history = [(s, at, STATUS_NOTES[s]) for s, at in steps]
            history.append(("cancelled", now, f"Cancelled by the customer: {reason}"))
            if await self.store.move(order_id, stored, history):
                return self._response(await self._owned(order_id, caller))
        raise ServiceError(ErrorCode.CONFLICT, f"order {order_id} changed while it was being cancelled; try again")

    async def _replay(self, email: str, key: str, fingerprint: str) -> OrderResponse | None:
        existing = await self.store.by_key(email, key)
        if existing is None:
            return None
        if existing.request_hash != fingerprint:
            raise ServiceError(
                ErrorCode.CONFLICT,
                f"idempotency key {key} was already used for a different order ({existing.order_id})",
            )
        return self._response(existing)

    async def _owned(self, order_id: str, caller: str) -> OrderRow:
        row = await self.store.get(order_id)
        if row is None or row.email != caller:
            raise ServiceError(ErrorCode.NOT_FOUND, f"order {order_id} not found")
        return row

    def _response(self, row: OrderRow) -> OrderResponse:
        """The order as it stands now: its stored status and history, then the steps due since."""
        return to_response(row, current_history(row, self.clock.now(), self.timings))

    def _new_order(
        self,
        email: str,
        args: CreateOrderArgs,
        fingerprint: str,
        menu: dict[str, MenuItemRef],
        address: AddressRef,
    ) -> OrderRow:
        now = self.clock.now()
        lines = [_line(position, line, menu[line.item_id]) for position, line in enumerate(args.items)]
        subtotal = sum(line.line_total_cents for line in lines)
        fee = delivery_fee_cents(subtotal)
        return OrderRow(
            order_id=new_order_id(),
            email=email,
            idempotency_key=args.idempotency_key,
            request_hash=fingerprint,
            status="placed",
            status_at=now,
            created_at=now,
            estimated_delivery_at=now + self.timings.until_delivered(),
            subtotal_cents=subtotal,
            delivery_fee_cents=fee,
            total_cents=subtotal + fee,
            currency=CURRENCY,
            address_id=address.address_id,
            address_label=address.label,
            address_line1=address.line1,
            address_city=address.city,
            address_postcode=address.postcode,
            address_country=address.country,
            lines=lines,
            events=[OrderEventRow(status="placed", at=now, note=STATUS_NOTES["placed"])],
        )


def new_order_id() -> str:
    """`ord-` and 12 random hex digits: not guessable from other order ids."""
    return f"ord-{secrets.token_hex(6)}"


def request_fingerprint(args: CreateOrderArgs) -> str:
    """A digest of what is ordered and where to: equal for a retry, different for another cart."""
    return cart_fingerprint(args.address_id, [(line.item_id, line.quantity, line.notes) for line in args.items])


def cart_fingerprint(address_id: str, lines: list[tuple[str, int, str | None]]) -> str:
    cart = {"address_id": address_id, "items": [list(line) for line in lines]}
    return hashlib.sha256(json.dumps(cart, sort_keys=True).encode()).hexdigest()


def checked_items(item_ids: list[str], batch: MenuItemBatch) -> dict[str, MenuItemRef]:
    """The menu items by id; INVALID_REQUEST naming unknown ones, CONFLICT naming unavailable ones."""
    found = {item.item_id: item for item in batch.items if item.item_id in item_ids}
    missing = [item_id for item_id in item_ids if item_id not in found]
    if missing:
        noun, verb = ("item", "does") if len(missing) == 1 else ("items", "do")
        raise ServiceError(ErrorCode.INVALID_REQUEST, f"{noun} {', '.join(missing)} {verb} not exist")
    unavailable = [found[item_id] for item_id in item_ids if not found[item_id].available]
    if unavailable:
        names = ", ".join(f"{item.name} ({item.item_id})" for item in unavailable)
        raise ServiceError(ErrorCode.CONFLICT, f"not available right now: {names}")
    return found


def current_history(row: OrderRow, now: datetime, timings: OrderTimings) -> list[StatusChange]:
    """The order's history as of `now`: the stored events, then the steps due since the last write."""
    stored = [StatusChange(status=cast(OrderStatus, e.status), at=e.at, note=e.note) for e in row.events]
    due = due_steps(cast(OrderStatus, row.status), row.status_at, now, timings)
    return stored + [StatusChange(status=s, at=at, note=STATUS_NOTES[s]) for s, at in due]


def to_response(row: OrderRow, history: list[StatusChange]) -> OrderResponse:
    """The order `row` at the last status of `history`."""
    status = history[-1].status if history else cast(OrderStatus, row.status)
    return OrderResponse(
        order_id=row.order_id,
        email=row.email,
        status=status,
        items=[_item(line) for line in row.lines],
        subtotal_cents=row.subtotal_cents,
        delivery_fee_cents=row.delivery_fee_cents,
        total_cents=row.total_cents,
        currency=row.currency,
        delivery_address=DeliveryAddress(
            address_id=row.address_id,
            label=row.address_label,
            line1=row.address_line1,
            city=row.address_city,
            postcode=row.address_postcode,
            country=row.address_country,
        ),
        created_at=row.created_at,
        estimated_delivery_at=None if status == "cancelled" else row.estimated_delivery_at,
        history=history,
        cancellable=status in CANCELLABLE,
    )


def _item(line: OrderLineRow) -> OrderItem:
    return OrderItem(
        item_id=line.item_id,
        name=line.name,
        quantity=line.quantity,
        unit_price_cents=line.unit_price_cents,
        line_total_cents=line.line_total_cents,
        notes=line.notes,
    )


def _line(position: int, line: OrderLineRequest, item: MenuItemRef) -> OrderLineRow:
    return OrderLineRow(
        position=position,
        item_id=item.item_id,
        name=item.name,
        quantity=line.quantity,
        unit_price_cents=item.price_cents,
        line_total_cents=item.price_cents * line.quantity,
        notes=line.notes,
    )


def _caller(ctx: CallContext, tool: str) -> str:
    if not ctx.caller:
        raise ServiceError(ErrorCode.FORBIDDEN, f"{tool} needs the caller's identity")
    return ctx.caller.strip().lower()
