"""Outcomes that change the cart and the delivery address (kept in the session, no tool writes)."""

from __future__ import annotations

from typing import Any

from orchestrator.conversation.flows import Reply, Turn, outcome
from orchestrator.domains.food.replies import food, render
from orchestrator.domains.food.state import CartLine

MAX_QUANTITY = 20


@outcome(templates=("which_item", "unavailable", "added_to_cart"))
async def added_to_cart(turn: Turn) -> Reply:
    state, item = food(turn), turn.result("item")
    if item is None:
        return Reply(render("which_item", shown=state.last_shown, reference=turn.intent.slots.get("item_ref")))
    if not item.get("available", True):
        return Reply(render("unavailable", item=item), suggestions=("show me the menu",))
    quantity = min(max(int(turn.intent.slots.get("quantity") or 1), 1), MAX_QUANTITY)
    line = next((line for line in state.cart if line.item_id == item["item_id"]), None)
    if line is None:
        state.cart.append(
            CartLine(
                item_id=item["item_id"], name=item["name"], quantity=quantity, unit_price_cents=item["price_cents"]
            )
        )
    else:
        line.quantity = min(line.quantity + quantity, MAX_QUANTITY)
        line.unit_price_cents = item["price_cents"]
    state.pending = None  # the cart changed: an earlier summary no longer holds
    return Reply(render("added_to_cart", item=item, quantity=quantity, session=state), data=cart(turn))


@outcome(templates=("removed_from_cart",))
async def removed_from_cart(turn: Turn) -> Reply:
    state = food(turn)
    reference = turn.intent.slots.get("item_ref")
    removed: list[str] = []
    if reference is None and any(w in turn.message.lower() for w in ("empty", "clear", "everything", "all")):
        removed = [line.name for line in state.cart]
        state.cart.clear()
    elif isinstance(reference, int) and state.cart:
        index = len(state.cart) - 1 if reference == -1 else reference - 1
        if 0 <= index < len(state.cart):
            removed = [state.cart.pop(index).name]
    else:
        text = turn.message.lower()
        for line in list(state.cart):
            if line.name.lower() in text or (isinstance(reference, str) and reference == line.name):
                state.cart.remove(line)
                removed.append(line.name)
    if removed:
        state.pending = None
    return Reply(render("removed_from_cart", removed=removed, session=state), data=cart(turn))


@outcome(templates=("cart_shown",))
async def cart_shown(turn: Turn) -> Reply:
    return Reply(render("cart_shown", session=food(turn)), data=cart(turn))


def cart(turn: Turn) -> dict[str, Any]:
    """The cart as a reply's typed data."""
    state = food(turn)
    return {
        "lines": [line.model_dump() for line in state.cart],
        "items_total_cents": state.cart_total_cents(),
        "address_id": state.address_id,
    }


@outcome(templates=("which_address", "address_chosen"))
async def address_chosen(turn: Turn) -> Reply:
    state = food(turn)
    profile = turn.result("profile") or {}
    addresses = profile.get("addresses", [])
    label = turn.intent.slots.get("address_label")
    if label is None and turn.intent.slots.get("address_default"):
        chosen = next((a for a in addresses if a.get("is_default")), None)
    else:
        chosen = next((a for a in addresses if label and a.get("label") == label), None)
    if chosen is None:
        return Reply(render("which_address", addresses=addresses, label=label))
    state.address_id = chosen["address_id"]
    state.address_label = chosen.get("label")
    state.pending = None
    return Reply(render("address_chosen", address=chosen), data={"address": chosen})
