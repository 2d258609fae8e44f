"""The order service's tools, declared once and served on `/mcp/call` and `/mcp`.

Each handler is a thin adapter over `OrderService`, reached through `orders()` because the
service exists only while the app runs (it is opened in the app's lifespan).
"""

from __future__ import annotations

from collections.abc import Callable

from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext
from order_service.models import (
    CancelOrderArgs,
    CreateOrderArgs,
    ListOrdersArgs,
    OrderIdArgs,
    OrderList,
    OrderQuote,
    OrderResponse,
    QuoteOrderArgs,
)
from order_service.service import OrderService

# An order placed or cancelled changes what the caller's order list, tracking and recommendations say.
ORDER_READS = ("order", "tracking", "recommendations")

CREATE_EXAMPLES = (
    "order a paneer tikka masala to my home address",
    "place an order for two margherita pizzas",
    "I'd like to order the chana masala and a mango lassi",
    "get me a wild mushroom risotto delivered to work",
    "order the same again",
    "buy a falafel platter and fries for delivery",
)
QUOTE_EXAMPLES = (
    "how much would two paneer tikka masalas cost delivered?",
    "what's the delivery fee for my basket?",
    "what would my order total be?",
    "price my cart before I order",
    "what would three burgers and fries come to with delivery?",
    "is delivery free if I add another dish?",
    "how much would a paneer tikka masala and fries be?",
    "what's the total for 2 x m-10 and 1 x m-54?",
    "do I get free delivery if I spend £30?",
    "give me a quote for 3 burgers delivered home",
    "how much is delivery?",
    "what would m-17 and m-49 cost me, delivery included?",
    "check my basket before I order: 2 x m-09 and 1 x m-54",
    "is the delivery charge waived on a £35 order?",
    "before I confirm, what's the price of m-28 to my home?",
    "how much for 4 of m-01 and 2 of m-57?",
    "if I ordered a paneer tikka masala now, how long would it take to arrive?",
)
GET_EXAMPLES = (
    "show me order ord-3f9a1c2b7d4e",
    "what was in that order?",
    "show the details and receipt of an order",
    "how much did my order cost?",
    "has my order been confirmed?",
    "what's the status of my order?",
    "what did I get in order ord-3f9a1c2b7d4e?",
    "how much was I charged for ord-7c2e9b4a1f30?",
    "what was the delivery fee on order ord-5d8a2f6c9e13?",
    "which address did order ord-3f9a1c2b7d4e go to?",
    "when did I place order ord-a1b2c3d4e5f6?",
    "show me the receipt for ord-7c2e9b4a1f30",
    "what's the subtotal of that order?",
    "was order ord-5d8a2f6c9e13 cancelled?",
    "give me the breakdown of order ord-a1b2c3d4e5f6",
    "show the status history of order ord-3f9a1c2b7d4e",
)
LIST_EXAMPLES = (
    "what did I order last time?",
    "show my past orders",
    "list my recent food orders",
    "how many orders have I placed?",
    "what have I been ordering lately?",
    "what did I order previously?",
    "show my order history",
    "what have I ordered from you before?",
    "my last 5 orders please",
    "what was my most recent order?",
    "how much have I spent on my recent orders?",
    "what do I usually order?",
    "how many times have I ordered?",
    "which dishes did I get last week?",
    "list everything I've ordered",
    "what did I order last Friday?",
    "have I ordered that dish before?",
    "what were my past few orders?",
)
CANCEL_EXAMPLES = (
    "cancel my order",
    "cancel order ord-3f9a1c2b7d4e",
    "I don't want that food any more, cancel it",
    "please stop my delivery, I ordered by mistake",
    "can I still cancel my order?",
)


def build_registry(orders: Callable[[], OrderService]) -> ToolRegistry:
    """The `order` registry bound to the running `OrderService` that `orders()` returns."""
    registry = ToolRegistry("order")

    @registry.tool(writes=True, identity_args=("email",), examples=CREATE_EXAMPLES, invalidates=ORDER_READS)
    async def create_order(args: CreateOrderArgs, ctx: CallContext) -> OrderResponse:
        """Place a food delivery order for the customer: menu item ids with quantities (and
        optional kitchen notes) delivered to one of their saved addresses. Prices come from the
        menu, never from the request; delivery costs £2.99, free from a £30 subtotal. Answers the
        placed order with its id, lines, totals in pence (GBP), estimated delivery time and status
        history. Repeating the call with the same idempotency key returns the same order; the same
        key with a different cart is a CONFLICT. Unknown items or addresses are INVALID_REQUEST,
        unavailable items a CONFLICT."""
        return await orders().create_order(args, ctx)

    @registry.tool(identity_args=("email",), examples=QUOTE_EXAMPLES)
    async def quote_order(args: QuoteOrderArgs, ctx: CallContext) -> OrderQuote:
        """Price a cart before ordering: the same checks as `create_order` (items exist and are
        available, the address is one of the customer's) and the same prices, delivery fee and
        total in pence (GBP), with the delivery address and estimated minutes to delivery.
        Nothing is placed or written. Use to show the customer what they are about to confirm."""
        return await orders().quote_order(args, ctx)

    @registry.tool(examples=GET_EXAMPLES)
    async def get_order(args: OrderIdArgs, ctx: CallContext) -> OrderResponse:
        """One of the caller's food orders by its id: status (placed, confirmed, preparing,
        out_for_delivery, delivered or cancelled), items with prices, subtotal, delivery fee and
        total in pence (GBP), delivery address, when it was placed, estimated delivery time, the
        history of every status with its time, and whether it can still be cancelled. Only the
        caller's own orders are found."""
        return await orders().get_order(args.order_id, ctx)

    @registry.tool(identity_args=("email",), examples=LIST_EXAMPLES)
    async def list_orders(args: ListOrdersArgs, ctx: CallContext) -> OrderList:
        """The customer's most recent food orders, newest first (each with status, items, totals in
        pence, delivery address, times and status history), and how many orders they have placed
        in all. Use for order history, what they ordered before, or reordering."""
        return await orders().list_orders(args.email, args.limit)

    @registry.tool(writes=True, examples=CANCEL_EXAMPLES, invalidates=ORDER_READS)
    async def cancel_order(args: CancelOrderArgs, ctx: CallContext) -> OrderResponse:
        """Cancel one of the caller's food orders, with the customer's reason. Possible while the
        order is placed, confirmed or preparing; once out for delivery (or delivered, or already
        cancelled) the answer is a CONFLICT naming the current status. Answers the cancelled
        order."""
        return await orders().cancel_order(args.order_id, args.reason, ctx)

    return registry
