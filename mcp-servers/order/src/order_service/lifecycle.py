"""The order state machine: a transition table, and time-based advancement along the delivery path.

```
placed ─> confirmed ─> preparing ─> out_for_delivery ─> delivered
   └──────────┴────────────┴──> cancelled   (only before the courier leaves)
```

Orders move along the path on their own: each step is due a configured number of seconds after
the previous one. Nothing runs in the background and reads never write: a read answers the stored
status with the steps due since (`due_steps`) applied in memory, each stamped at the time it was
scheduled, and the next write of the order (a cancellation) stores them with those same times, so
the history is the same whenever it is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Literal, get_args

from pydantic import BaseModel, Field

OrderStatus = Literal["placed", "confirmed", "preparing", "out_for_delivery", "delivered", "cancelled"]
ORDER_STATUSES: tuple[OrderStatus, ...] = get_args(OrderStatus)

TRANSITIONS: Mapping[OrderStatus, tuple[OrderStatus, ...]] = {
    "placed": ("confirmed", "cancelled"),
    "confirmed": ("preparing", "cancelled"),
    "preparing": ("out_for_delivery", "cancelled"),
    "out_for_delivery": ("delivered",),
    "delivered": (),
    "cancelled": (),
}
"""Every allowed move; the first target of a state is the step the clock takes it to."""

DELIVERY_PATH: tuple[OrderStatus, ...] = ("placed", "confirmed", "preparing", "out_for_delivery", "delivered")
CANCELLABLE: frozenset[OrderStatus] = frozenset(s for s, targets in TRANSITIONS.items() if "cancelled" in targets)

STATUS_NOTES: Mapping[OrderStatus, str] = {
    "placed": "Order placed",
    "confirmed": "The restaurant confirmed the order",
    "preparing": "The kitchen is preparing the food",
    "out_for_delivery": "A courier is on the way",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
}


class OrderTimings(BaseModel):
    """Seconds each step of the delivery path takes after the previous one (`ORDER_TIMINGS`, JSON)."""

    confirmed: float = Field(default=30, ge=0, description="Seconds from placed to confirmed.")
    preparing: float = Field(default=120, ge=0, description="Seconds from confirmed to preparing.")
    out_for_delivery: float = Field(default=600, ge=0, description="Seconds from preparing to out_for_delivery.")
    delivered: float = Field(default=900, ge=0, description="Seconds from out_for_delivery to delivered.")

    def delay(self, status: OrderStatus) -> timedelta:
        """How long after the previous step `status` is reached."""
        seconds: float = getattr(self, status)
        return timedelta(seconds=seconds)

    def until_delivered(self) -> timedelta:
        """Time from placing an order to its delivery."""
        return sum((self.delay(s) for s in DELIVERY_PATH[1:]), timedelta())


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    """Whether the transition table allows `current` → `target`."""
    return target in TRANSITIONS[current]


def scheduled_next(status: OrderStatus) -> OrderStatus | None:
    """The step the clock moves `status` to, if any."""
    targets = TRANSITIONS[status]
    return targets[0] if targets and targets[0] != "cancelled" else None


def due_steps(
    status: OrderStatus, since: datetime, now: datetime, timings: OrderTimings
) -> list[tuple[OrderStatus, datetime]]:
    """The steps due by `now` for an order in `status` since `since`, each with its scheduled time."""
    steps: list[tuple[OrderStatus, datetime]] = []
    at, target = since, scheduled_next(status)
    while target is not None:
        at += timings.delay(target)
        if at > now:
            break
        steps.append((target, at))
        target = scheduled_next(target)
    return steps
