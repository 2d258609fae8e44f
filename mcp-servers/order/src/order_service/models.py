"""Tool arguments and results of the order service.

Field descriptions become the tool schemas the planner and LLMs read, so they say what each
value means, not only its type. Money is integer pence (`*_cents`, GBP); times are UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from mcp_common.emails import Email
from order_service.lifecycle import OrderStatus

OrderId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class OrderLineRequest(BaseModel):
    """One line of a new order: a menu item and how many."""

    item_id: str = Field(min_length=1, max_length=32, description="Menu item id, e.g. `m-09` (from the menu service).")
    quantity: int = Field(default=1, ge=1, le=20, description="How many of this item, 1 to 20.")
    notes: str | None = Field(
        default=None, max_length=200, description="Optional kitchen note for this line, e.g. 'extra spicy'."
    )


class QuoteOrderArgs(BaseModel):
    """Arguments of `quote_order` (and the cart part of `create_order`)."""

    email: Email = Field(description="Email of the customer placing the order (must be the caller).")
    items: list[OrderLineRequest] = Field(
        min_length=1, max_length=20, description="What to order: 1 to 20 lines of menu item id and quantity."
    )
    address_id: str = Field(
        min_length=1,
        max_length=100,
        description="Id of one of the customer's saved delivery addresses, e.g. `addr-ada-home` "
        "(from the customer profile).",
    )


class CreateOrderArgs(QuoteOrderArgs):
    """Arguments of `create_order`."""

    idempotency_key: str = Field(
        min_length=8,
        max_length=128,
        description="Client-chosen key, unique per intended order: repeating a call with the same key "
        "returns the same order instead of placing a second one.",
    )


class OrderIdArgs(BaseModel):
    """Arguments naming one of the caller's orders."""

    order_id: OrderId = Field(description="Order id, e.g. `ord-3f9a1c2b7d4e`.")


class ListOrdersArgs(BaseModel):
    """Arguments of `list_orders`."""

    email: Email = Field(description="Email of the customer whose orders are wanted (must be the caller).")
    limit: int = Field(default=10, ge=1, le=50, description="How many of the most recent orders to return, 1 to 50.")


class CancelOrderArgs(BaseModel):
    """Arguments of `cancel_order`."""

    order_id: OrderId = Field(description="Id of the order to cancel, e.g. `ord-3f9a1c2b7d4e`.")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        description="Why the customer cancels, in their words (1 to 200 characters)."
    )


class OrderItem(BaseModel):
    """One line of an order, with the name and price the menu had when it was ordered."""

    item_id: str = Field(description="Menu item id.")
    name: str = Field(description="Menu item name when ordered.")
    quantity: int = Field(description="How many were ordered.")
    unit_price_cents: int = Field(description="Price of one, in pence, when ordered.")
    line_total_cents: int = Field(description="unit_price_cents × quantity, in pence.")
    notes: str | None = Field(description="The customer's kitchen note for this line, if any.")


class DeliveryAddress(BaseModel):
    """Where the order is delivered (copied from the customer profile when the order was placed)."""

    address_id: str = Field(description="Id of the customer's saved address.")
    label: str = Field(description="Address label: home, work or other.")
    line1: str = Field(description="Street address.")
    city: str = Field(description="City.")
    postcode: str = Field(description="Postcode.")
    country: str = Field(description="ISO country code, e.g. GB.")


class StatusChange(BaseModel):
    """One step the order has gone through."""

    status: OrderStatus = Field(description="The status reached.")
    at: datetime = Field(description="When it was reached (UTC).")
    note: str = Field(description="What happened, in words (for a cancellation, the customer's reason).")


class OrderResponse(BaseModel):
    """One food order with its lines, totals, delivery address and status history."""

    order_id: str = Field(description="Order id, e.g. `ord-3f9a1c2b7d4e`.")
    email: str = Field(description="Email of the customer who placed the order.")
    status: OrderStatus = Field(
        description="Current status: placed → confirmed → preparing → out_for_delivery → delivered, or cancelled."
    )
    items: list[OrderItem] = Field(description="What was ordered.")
    subtotal_cents: int = Field(description="Sum of the line totals, in pence.")
    delivery_fee_cents: int = Field(description="Delivery fee in pence: 299, free from a £30 subtotal.")
    total_cents: int = Field(description="Amount charged: subtotal plus delivery fee, in pence.")
    currency: str = Field(description="ISO 4217 currency of every amount: GBP.")
    delivery_address: DeliveryAddress = Field(description="Where the order is delivered.")
    created_at: datetime = Field(description="When the order was placed (UTC).")
    estimated_delivery_at: datetime | None = Field(
        description="When the order is (or was) expected to be delivered (UTC); null once cancelled."
    )
    history: list[StatusChange] = Field(description="Every status reached so far, oldest first.")
    cancellable: bool = Field(
        description="Whether the order can still be cancelled (placed, confirmed or preparing; "
        "not once out for delivery)."
    )


class OrderQuote(BaseModel):
    """What an order would cost and where it would go, before it is placed."""

    email: str = Field(description="Email of the customer the quote is for.")
    items: list[OrderItem] = Field(description="The lines, priced from the menu now.")
    subtotal_cents: int = Field(description="Sum of the line totals, in pence.")
    delivery_fee_cents: int = Field(description="Delivery fee in pence: 299, free from a £30 subtotal.")
    total_cents: int = Field(description="What placing the order now would charge, in pence.")
    currency: str = Field(description="ISO 4217 currency of every amount: GBP.")
    delivery_address: DeliveryAddress = Field(description="Where the order would be delivered.")
    estimated_delivery_minutes: int = Field(description="Minutes from placing to delivery, as things stand.")


class OrderList(BaseModel):
    """The customer's most recent orders, newest first."""

    email: str = Field(description="Email of the customer the orders belong to.")
    orders: list[OrderResponse] = Field(description="The most recent orders, newest first, at most `limit`.")
    total_count: int = Field(description="How many orders the customer has in all.")
