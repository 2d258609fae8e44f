"""The variables food flows read: the slots, plus what the state and the results so far resolve.

- `item_id`: the shown item the user means ("the first one", a name, "it" after one item);
- `search_text`: the dish named in words when no shown item is meant (searched for), and
  `wanted_item`: the item to add, shown or found (none: the reply asks which one);
- `cart_items`, `address_id`, `default_address_id` (from the profile result);
- `new_dietary`, `new_allergens`, `new_cuisines`, `preference_change`: the profile after the
  changes the message states (or, in `confirm`, the changes awaiting the yes), when they change it;
- `order_id` (said, or the last one placed), `cancellable_order_id` (from recent orders);
- `place_order` / `cancel_order` / `update_preferences`: the arguments of the action awaiting the
  user's yes (for a profile change: the changes, `add_allergens`…).
"""

from __future__ import annotations

from typing import Any

from orchestrator.conversation.flows import Turn
from orchestrator.domains.food.replies import food


def derive(turn: Turn) -> dict[str, Any]:
    """Variables for flow arguments and conditions."""
    slots, state = turn.intent.slots, food(turn)
    values: dict[str, Any] = dict(slots)
    values["item_id"] = _shown_item_id(turn)
    values["search_text"] = slots.get("text") if values["item_id"] is None else None
    found = (turn.result("search") or {}).get("items") or [{}]
    values["wanted_item"] = values["item_id"] or found[0].get("item_id")
    values["cart_items"] = [
        {"item_id": line.item_id, "quantity": line.quantity} | ({"notes": line.notes} if line.notes else {})
        for line in state.cart
    ]
    values["address_id"] = state.address_id
    profile = turn.result("profile")
    if profile is not None:
        addresses = profile.get("addresses") or []
        default = next((a for a in addresses if a.get("is_default")), addresses[0] if addresses else None)
        values["default_address_id"] = default.get("address_id") if default else None
        pending = state.pending
        confirming = turn.flow.intent == "confirm" and pending is not None and pending.action == "update_preferences"
        values |= _preference_update(profile, pending.arguments if confirming and pending else slots)
    values["order_id"] = slots.get("order_id") or state.last_order_id
    recent = turn.result("recent")
    if recent is not None:
        cancellable = next((o for o in recent.get("orders", []) if o.get("cancellable")), None)
        latest = (recent.get("orders") or [None])[0]
        values["cancellable_order_id"] = (cancellable or latest or {}).get("order_id")
    if state.pending is not None:
        values[state.pending.action] = state.pending.arguments
    return values


def _shown_item_id(turn: Turn) -> str | None:
    reference, shown = turn.intent.slots.get("item_ref"), food(turn).last_shown
    if isinstance(reference, int) and shown:
        index = len(shown) - 1 if reference == -1 else reference - 1
        return shown[index].item_id if 0 <= index < len(shown) else None
    if isinstance(reference, str):
        in_cart = (line.item_id for line in food(turn).cart if line.name == reference)
        return next((item.item_id for item in shown if item.name == reference), next(in_cart, None))
    menu_id = turn.intent.slots.get("menu_item_id")
    if isinstance(menu_id, str):
        return menu_id  # "add m-33": the menu checks it exists
    if reference is None and not turn.intent.slots.get("text") and len(shown) == 1:
        return shown[0].item_id  # "add it" after one item was shown
    return None


def _preference_update(profile: dict[str, Any], slots: dict[str, Any]) -> dict[str, Any]:
    def merged(current: list[str], add: list[str], remove: list[str]) -> list[str] | None:
        result = [v for v in current if v not in remove] + [v for v in add if v not in current]
        return result if result != current else None

    changes: dict[str, Any] = {
        "new_dietary": merged(
            profile.get("dietary_preferences", []), slots.get("add_dietary", []), slots.get("remove_dietary", [])
        ),
        "new_allergens": merged(
            profile.get("allergens", []), slots.get("add_allergens", []), slots.get("remove_allergens", [])
        ),
        "new_cuisines": merged(
            profile.get("favourite_cuisines", []), slots.get("add_cuisines", []), slots.get("remove_cuisines", [])
        ),
    }
    dietary = changes["new_dietary"]
    if dietary is not None and "vegan" in dietary and "vegetarian" not in dietary:
        dietary.append("vegetarian")  # vegan implies vegetarian on the menu
    changes["preference_change"] = any(v is not None for v in changes.values()) or None
    return changes
