"""What each flow does with its results: session changes and the reply.

`derive` turns slots, session and the results so far into the variables flow arguments read.
Each `OUTCOMES` handler updates the session (cart, items shown, address, pending confirmation)
and renders its reply from `templates/replies/<outcome>.j2`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from mcp_common.errors import ErrorCode
from orchestrator.execution import SourceResult
from orchestrator.state.sessions import CartLine, CompletedAction, PendingAction, ShownItem

if TYPE_CHECKING:
    from orchestrator.conversation.engine import Turn
    from orchestrator.conversation.flows import Call

REPEAT_WINDOW = timedelta(minutes=30)
_env = Environment(
    loader=PackageLoader("orchestrator", "templates"),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    autoescape=False,  # noqa: S701 - plain-text replies, never rendered as HTML by us
)


def _gbp(cents: Any) -> str:
    try:
        return f"£{int(cents) / 100:,.2f}"
    except (TypeError, ValueError):
        return str(cents)


def _time(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    return f"{value:%H:%M} UTC" if isinstance(value, datetime) else str(value)


def _label(value: str) -> str:
    return value.replace("_", " ")


_env.filters.update(gbp=_gbp, time=_time, label=_label)


@dataclass(frozen=True)
class Reply:
    text: str
    data: dict[str, Any] | None = None
    suggestions: tuple[str, ...] = ()


def render(name: str, **context: Any) -> str:
    text = _env.get_template(f"replies/{name}.j2").render(**context)
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


# ---------------------------------------------------------------- derived variables


def derive(turn: Turn) -> dict[str, Any]:
    """Variables for flow arguments: the slots plus what the session and results resolve."""
    slots, session = turn.intent.slots, turn.session
    values: dict[str, Any] = dict(slots)
    values["item_id"] = _shown_item_id(turn)
    values["cart_items"] = [
        {"item_id": line.item_id, "quantity": line.quantity} | ({"notes": line.notes} if line.notes else {})
        for line in session.cart
    ]
    values["address_id"] = session.address_id
    profile = turn.result("profile")
    if profile is not None:
        addresses = profile.get("addresses") or []
        default = next((a for a in addresses if a.get("is_default")), addresses[0] if addresses else None)
        values["default_address_id"] = default.get("address_id") if default else None
        values |= _preference_update(profile, slots)
    values["order_id"] = slots.get("order_id") or session.last_order_id
    recent = turn.result("recent")
    if recent is not None:
        cancellable = next((o for o in recent.get("orders", []) if o.get("cancellable")), None)
        latest = (recent.get("orders") or [None])[0]
        values["cancellable_order_id"] = (cancellable or latest or {}).get("order_id")
    return values


def _shown_item_id(turn: Turn) -> str | None:
    reference, shown = turn.intent.slots.get("item_ref"), turn.session.last_shown
    if isinstance(reference, int) and shown:
        index = len(shown) - 1 if reference == -1 else reference - 1
        return shown[index].item_id if 0 <= index < len(shown) else None
    if isinstance(reference, str):
        return next((item.item_id for item in shown if item.name == reference), None)
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


# ---------------------------------------------------------------- failures


def precondition_failed(turn: Turn, need: str) -> Reply:
    if need == "cart":
        return Reply(render("empty_cart"), suggestions=("show me the menu", "what would you recommend?"))
    return Reply(render("nothing_pending"))


def call_failed(turn: Turn, call: Call, result: SourceResult) -> Reply:
    error = result.error
    code = error.code if error else ErrorCode.INTERNAL
    message = error.message if error else "no answer"
    return Reply(
        render("call_failed", intent=turn.flow.intent, tool=result.name, code=code.value, message=message,
               retryable=bool(error and error.retryable), not_found=code == ErrorCode.NOT_FOUND),
        suggestions=("help",),
    )  # fmt: skip


# ---------------------------------------------------------------- outcomes


def _remember(turn: Turn, items: list[dict[str, Any]]) -> None:
    turn.session.last_shown = [
        ShownItem(item_id=i["item_id"], name=i["name"], price_cents=i.get("price_cents")) for i in items
    ]


async def menu_shown(turn: Turn) -> Reply:
    menu = turn.result("menu") or {}
    items = menu.get("items", [])
    _remember(turn, items)
    profile = turn.result("profile") or {}
    allergies = set(profile.get("allergens", []))
    flagged = {i["item_id"]: sorted(allergies & set(i.get("allergens", []))) for i in items}
    return Reply(render("menu_shown", items=items, total=menu.get("total", len(items)), flagged=flagged,
                        filters=turn.intent.slots))  # fmt: skip


async def recommended(turn: Turn) -> Reply:
    picks = turn.result("picks") or {}
    items = picks.get("items", [])
    _remember(turn, items)
    return Reply(render("recommended", items=items, based_on=picks.get("based_on", {})))


async def added_to_cart(turn: Turn) -> Reply:
    item = turn.result("item")
    if item is None:
        return Reply(render("which_item", shown=turn.session.last_shown, reference=turn.intent.slots.get("item_ref")))
    if not item.get("available", True):
        return Reply(render("unavailable", item=item), suggestions=("show me the menu",))
    quantity = min(max(int(turn.intent.slots.get("quantity") or 1), 1), 20)
    cart = turn.session.cart
    line = next((line for line in cart if line.item_id == item["item_id"]), None)
    if line is None:
        cart.append(
            CartLine(
                item_id=item["item_id"], name=item["name"], quantity=quantity, unit_price_cents=item["price_cents"]
            )
        )
    else:
        line.quantity = min(line.quantity + quantity, 20)
        line.unit_price_cents = item["price_cents"]
    turn.session.pending = None  # the cart changed: an earlier summary no longer holds
    return Reply(render("added_to_cart", item=item, quantity=quantity, session=turn.session), data=_cart(turn))


async def removed_from_cart(turn: Turn) -> Reply:
    cart = turn.session.cart
    reference = turn.intent.slots.get("item_ref")
    removed: list[str] = []
    if reference is None and any(w in turn.message.lower() for w in ("empty", "clear", "everything", "all")):
        removed = [line.name for line in cart]
        cart.clear()
    elif isinstance(reference, int) and cart:
        index = len(cart) - 1 if reference == -1 else reference - 1
        if 0 <= index < len(cart):
            removed = [cart.pop(index).name]
    else:
        text = turn.message.lower()
        for line in list(cart):
            if line.name.lower() in text or (isinstance(reference, str) and reference == line.name):
                cart.remove(line)
                removed.append(line.name)
    if removed:
        turn.session.pending = None
    return Reply(render("removed_from_cart", removed=removed, session=turn.session), data=_cart(turn))


async def cart_shown(turn: Turn) -> Reply:
    return Reply(render("cart_shown", session=turn.session), data=_cart(turn))


def _cart(turn: Turn) -> dict[str, Any]:
    session = turn.session
    return {
        "lines": [line.model_dump() for line in session.cart],
        "items_total_cents": session.cart_total_cents(),
        "address_id": session.address_id,
    }


async def address_chosen(turn: Turn) -> Reply:
    profile = turn.result("profile") or {}
    addresses = profile.get("addresses", [])
    label = turn.intent.slots.get("address_label")
    chosen = next((a for a in addresses if label and a.get("label") == label), None)
    if chosen is None:
        return Reply(render("which_address", addresses=addresses, label=label))
    turn.session.address_id = chosen["address_id"]
    turn.session.address_label = chosen.get("label")
    turn.session.pending = None
    return Reply(render("address_chosen", address=chosen), data={"address": chosen})


def idempotency_key(session_id: str, items: list[dict[str, Any]], address_id: str) -> str:
    """The same session, cart and address always give the same key: a repeated yes is one order."""
    canonical = json.dumps({"s": session_id, "items": items, "a": address_id}, sort_keys=True)
    return "chat-" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


async def order_proposed(turn: Turn) -> Reply:
    quote = turn.result("quote") or {}
    address = quote.get("delivery_address") or {}
    address_id = address.get("address_id") or turn.vars.get("address_id") or turn.vars.get("default_address_id")
    items = turn.vars["cart_items"]
    key = idempotency_key(turn.session.session_id, items, str(address_id))
    summary = render("order_summary", quote=quote, address=address)
    turn.session.address_id = address_id
    turn.session.pending = PendingAction(
        action="place_order",
        tool="order.create_order",
        arguments={"items": items, "address_id": address_id, "idempotency_key": key},
        summary=summary,
        idempotency_key=key,
        created_at=datetime.now(UTC),
    )
    return Reply(render("order_proposed", summary=summary))


async def confirmed(turn: Turn) -> Reply:
    session, pending = turn.session, turn.session.pending
    if pending is None:
        done = session.last_completed
        if done is not None and datetime.now(UTC) - done.at < REPEAT_WINDOW:
            return Reply(render("already_done", done=done), data={"result_id": done.result_id})
        return Reply(render("nothing_pending"))
    assert turn.runner is not None
    (result,) = await turn.runner.run([(pending.tool, pending.arguments)])
    turn.results["pending"] = result
    if result.status != "ok" or result.result is None:
        error = result.error
        if error is not None and not error.retryable:
            session.pending = None  # it will not succeed by repeating it; the cart stays
        return Reply(render("confirm_failed", pending=pending, error=error,
                            retryable=bool(error and error.retryable)))  # fmt: skip
    data = result.result
    if pending.action == "place_order":
        session.cart.clear()
        session.last_order_id = data.get("order_id")
        text = render("order_placed", order=data)
    else:
        text = render("order_cancelled", order=data)
    session.pending = None
    session.last_completed = CompletedAction(
        action=pending.action,
        idempotency_key=pending.idempotency_key,
        result_id=data.get("order_id"),
        reply=text,
        at=datetime.now(UTC),
    )
    return Reply(text, data=data)


async def declined(turn: Turn) -> Reply:
    pending = turn.session.pending
    turn.session.pending = None
    return Reply(render("declined", pending=pending, session=turn.session))


async def tracked(turn: Turn) -> Reply:
    tracking = turn.result("tracking") or {}
    if tracking.get("order_id"):
        turn.session.last_order_id = tracking["order_id"]
    return Reply(render("tracked", t=tracking))


async def history_shown(turn: Turn) -> Reply:
    orders = turn.result("orders") or {}
    return Reply(render("history_shown", orders=orders.get("orders", []), total=orders.get("total_count", 0)))


async def cancel_proposed(turn: Turn) -> Reply:
    order = turn.result("order") or {}
    if not order.get("cancellable"):
        return Reply(render("not_cancellable", order=order), suggestions=("where is my order?",))
    reason = str(turn.intent.slots.get("reason") or "cancelled by the customer in chat")[:200]
    summary = render("cancel_summary", order=order)
    turn.session.pending = PendingAction(
        action="cancel_order",
        tool="order.cancel_order",
        arguments={"order_id": order["order_id"], "reason": reason},
        summary=summary,
        idempotency_key=None,
        created_at=datetime.now(UTC),
    )
    return Reply(render("cancel_proposed", summary=summary))


async def preferences_updated(turn: Turn) -> Reply:
    updated = turn.result("updated")
    if updated is None:
        return Reply(render("preferences_unclear", profile=turn.result("profile") or {}))
    return Reply(render("preferences_updated", profile=updated))


async def profile_shown(turn: Turn) -> Reply:
    return Reply(render("profile_shown", p=turn.result("profile") or {}))


async def help_reply(turn: Turn) -> Reply:
    return Reply(render("help", confused=turn.intent.confidence < 0.5))


OUTCOMES: dict[str, Callable[[Turn], Awaitable[Reply]]] = {
    "menu_shown": menu_shown,
    "recommended": recommended,
    "added_to_cart": added_to_cart,
    "removed_from_cart": removed_from_cart,
    "cart_shown": cart_shown,
    "address_chosen": address_chosen,
    "order_proposed": order_proposed,
    "confirmed": confirmed,
    "declined": declined,
    "tracked": tracked,
    "history_shown": history_shown,
    "cancel_proposed": cancel_proposed,
    "preferences_updated": preferences_updated,
    "profile_shown": profile_shown,
    "help": help_reply,
}
