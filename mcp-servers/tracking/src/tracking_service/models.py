"""Tool arguments and results of the tracking service.

Field descriptions become the tool schemas the planner and LLMs read. Times are UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

OrderStatus = Literal["placed", "confirmed", "preparing", "out_for_delivery", "delivered", "cancelled"]
DELIVERY_PATH: tuple[OrderStatus, ...] = ("placed", "confirmed", "preparing", "out_for_delivery", "delivered")


class TrackOrderArgs(BaseModel):
    """Arguments of `track_order`."""

    order_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] = Field(
        description="Id of the caller's order to track, e.g. `ord-3f9a1c2b7d4e`."
    )


class TimelineStep(BaseModel):
    """One status of the delivery path, reached or still to come."""

    status: OrderStatus = Field(description="The status.")
    at: datetime | None = Field(description="When it was reached (UTC); null while still to come.")
    done: bool = Field(description="Whether the order has reached this status.")


class Courier(BaseModel):
    """Who delivers the order."""

    name: str = Field(description="Courier's first name and initial.")
    vehicle: str = Field(description="How the courier travels: bicycle, e-bike, scooter, motorbike or car.")
    phone_masked: str = Field(description="Courier's phone number with all but the last three digits hidden.")


class TrackingResponse(BaseModel):
    """Where an order is on its way to the customer: status timeline, courier and arrival estimate."""

    order_id: str = Field(description="The order tracked.")
    status: OrderStatus = Field(
        description="Current status: placed, confirmed, preparing, out_for_delivery, delivered or cancelled."
    )
    timeline: list[TimelineStep] = Field(
        description="Every status of the path placed → confirmed → preparing → out_for_delivery → delivered, "
        "done or upcoming, in order; a cancelled order's timeline ends with `cancelled` where it stopped."
    )
    courier: Courier | None = Field(
        description="The courier assigned once the kitchen starts preparing; null before that and when cancelled."
    )
    eta: datetime | None = Field(description="Expected delivery time (UTC); null once delivered or cancelled.")
    eta_minutes: int | None = Field(
        description="Minutes from now until the expected delivery (0 when due); null once delivered or cancelled."
    )
    updated_at: datetime = Field(description="When the order last changed status (UTC).")
    checked_at: datetime = Field(description="When this tracking answer was produced (UTC).")
    summary: str = Field(description="One sentence for the customer saying where the order is.")
