"""What the food conversation keeps in a session: the cart, the items last shown, the delivery
address, the action awaiting the user's yes (an order, a cancellation, a profile change), the last
confirmed one, and the clarifying question awaiting the user's choice.

It lives in the generic session's `data` (`FoodState.of(session)` / `state.store(session)`), so
the engine and the session store know nothing of carts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from orchestrator.state.sessions import Session


class CartLine(BaseModel):
    item_id: str
    name: str
    quantity: int = Field(ge=1, le=20)
    unit_price_cents: int = Field(ge=0)
    notes: str | None = None


class ShownItem(BaseModel):
    """An item the last reply listed, so "the first one" can be resolved on the next turn."""

    item_id: str
    name: str
    price_cents: int | None = None


class PendingAction(BaseModel):
    """A write waiting for the user's explicit yes."""

    action: Literal["place_order", "cancel_order", "update_preferences"]
    tool: str
    arguments: dict[str, Any]
    summary: str
    idempotency_key: str | None = None
    created_at: datetime


class Clarification(BaseModel):
    """A clarifying question asked: the readings offered (intents, in the order named) and the slots
    read from the message that was unclear, so the reply "1" or "the menu" acts on that message."""

    options: list[str] = Field(max_length=3)
    slots: dict[str, Any] = Field(default_factory=dict)


class CompletedAction(BaseModel):
    """A confirmed write, kept so a repeated "yes" is answered with the same outcome."""

    action: str
    idempotency_key: str | None
    result_id: str | None
    reply: str
    at: datetime


class FoodState(BaseModel):
    cart: list[CartLine] = Field(default_factory=list)
    last_shown: list[ShownItem] = Field(default_factory=list)
    address_id: str | None = None
    address_label: str | None = None
    pending: PendingAction | None = None
    last_completed: CompletedAction | None = None
    last_order_id: str | None = None
    clarification: Clarification | None = None

    @classmethod
    def of(cls, session: Session) -> FoodState:
        """The state kept in `session` (a fresh one when it holds none, or none this version reads)."""
        try:
            return cls.model_validate(session.data)
        except ValidationError:
            return cls()

    def store(self, session: Session) -> None:
        session.data = self.model_dump(mode="json")

    def cart_total_cents(self) -> int:
        return sum(line.quantity * line.unit_price_cents for line in self.cart)

    def view(self) -> ConversationView:
        return ConversationView(
            shown_items=tuple(item.name for item in self.last_shown),
            cart_items=tuple(line.name for line in self.cart),
            pending=self.pending.action if self.pending else None,
        )


@dataclass(frozen=True)
class ConversationView:
    """What an intent reader may know of the conversation: no personal data beyond item names."""

    shown_items: tuple[str, ...] = ()
    cart_items: tuple[str, ...] = ()
    pending: str | None = None
