"""The tracking service's tool, declared once and served on `/mcp/call` and `/mcp`."""

from __future__ import annotations

from collections.abc import Callable

from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext
from tracking_service.models import TrackingResponse, TrackOrderArgs
from tracking_service.service import TrackingService

TRACK_EXAMPLES = (
    "where is my order?",
    "when will my food arrive?",
    "who is delivering my order?",
    "track order ord-3f9a1c2b7d4e",
    "how long until my delivery gets here?",
    "is my food on the way yet?",
    "has my dinner been delivered?",
    "where's my food?",
    "what's the ETA on my delivery?",
    "how many minutes until my order arrives?",
    "is the driver on the way?",
    "who's my rider and what are they riding?",
    "is ord-7c2e9b4a1f30 out for delivery?",
    "has the kitchen started preparing my food?",
    "where's my takeaway at?",
    "my order is late, where is it?",
    "give me a live update on my delivery",
    "what's the courier's phone number?",
    "has order ord-5d8a2f6c9e13 arrived?",
)


def build_registry(tracking: Callable[[], TrackingService]) -> ToolRegistry:
    """The `tracking` registry bound to the running `TrackingService` that `tracking()` returns."""
    registry = ToolRegistry("tracking")

    @registry.tool(examples=TRACK_EXAMPLES)
    async def track_order(args: TrackOrderArgs, ctx: CallContext) -> TrackingResponse:
        """Live delivery tracking of one of the caller's food orders: current status, a timeline of
        every step (placed, confirmed, preparing, out_for_delivery, delivered) with the time each
        was reached or marked upcoming, the courier (name, vehicle, masked phone) once the kitchen
        is preparing it, the expected delivery time and minutes remaining, and a one-sentence
        summary. Only the caller's own orders are found."""
        return await tracking().track(args.order_id, ctx)

    return registry
