"""A small "demo" service registry, shared by the mcp_common tests (fixtures in conftest.py)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from mcp_common import tracing
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext


class OrdersArgs(BaseModel):
    email: str = Field(description="Email of the customer whose orders to list.")
    limit: int = Field(5, ge=1, le=50, description="How many orders to return at most.")


class OrderArgs(BaseModel):
    order_id: str = Field(description="Order number, e.g. A-1.")


class CancelArgs(BaseModel):
    email: str = Field(description="Email of the customer who owns the order.")
    order_id: str = Field(description="Order number to cancel.")


class NoArgs(BaseModel):
    pass


class Customer(BaseModel):
    email: str
    name: str


class Order(BaseModel):
    order_id: str
    total_cents: int


class OrderList(BaseModel):
    customer: Customer
    orders: list[Order]


class Cancellation(BaseModel):
    order_id: str
    cancelled: bool


class TraceEcho(BaseModel):
    current_trace_id: str | None
    context_trace_id: str | None
    context_span_id: str | None


def build_demo_registry() -> ToolRegistry:
    """The "demo" service: a read tool, a failing tool, a crashing tool, a write tool, a trace echo."""
    registry = ToolRegistry("demo", version="1.2.3")

    @registry.tool(identity_args=("email",), cache_ttl_s=60, examples=["what did I order?"])
    async def list_orders(args: OrdersArgs, ctx: CallContext) -> OrderList:
        """The customer's most recent orders."""
        orders = [Order(order_id=f"A-{n}", total_cents=n * 1000) for n in range(1, min(args.limit, 3) + 1)]
        return OrderList(customer=Customer(email=args.email, name="Ada Lovelace"), orders=orders)

    @registry.tool()
    async def get_order(args: OrderArgs, ctx: CallContext) -> Order:
        """One order by its number."""
        raise ServiceError(ErrorCode.NOT_FOUND, f"order {args.order_id} does not exist")

    @registry.tool()
    async def explode(args: NoArgs, ctx: CallContext) -> Order:
        """A tool whose backend crashes."""
        raise RuntimeError("db password hunter2 rejected")

    @registry.tool(writes=True, identity_args=("email",), examples=["cancel order A-1"])
    async def cancel_order(args: CancelArgs, ctx: CallContext) -> Cancellation:
        """Cancel one of the customer's orders."""
        return Cancellation(order_id=args.order_id, cancelled=True)

    @registry.tool()
    async def trace_echo(args: NoArgs, ctx: CallContext) -> TraceEcho:
        """The trace the tool runs in, as the tool sees it."""
        current = tracing.current()
        return TraceEcho(
            current_trace_id=current.trace_id if current else None,
            context_trace_id=ctx.trace_id,
            context_span_id=ctx.span_id,
        )

    return registry
