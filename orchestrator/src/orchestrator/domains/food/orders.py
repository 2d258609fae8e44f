"""Outcomes of ordering: the summary awaiting a yes, the confirmed write, tracking, history, cancelling.

An order is placed, or cancelled, and a profile changed, only by the `confirm` flow, from the
`PendingAction` the user was shown: `order_proposed`, `cancel_proposed` and
`browsing.preferences_proposed` only store it with its summary. The same
session, cart and address give the same idempotency key, so a repeated yes is one order.

A confirmed write that fails keeps the pending action unless the service refused it for good
(`write_failure`), so the next yes tries it again; the reply says whether it did not happen or
may have happened (a timeout), and a yes after either places at most one order.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from mcp_common.errors import ErrorBody, ErrorCode
from orchestrator.conversation.flows import Reply, Turn, outcome
from orchestrator.domains.food.replies import food, render
from orchestrator.domains.food.state import CompletedAction, PendingAction

REPEAT_WINDOW = timedelta(minutes=30)


def idempotency_key(tenant: str, session_id: str, items: list[dict[str, Any]], address_id: str) -> str:
    """The same tenant, session, cart and address always give the same key: a repeated yes is one order."""
    canonical = json.dumps({"t": tenant, "s": session_id, "items": items, "a": address_id}, sort_keys=True)
    return "chat-" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


@outcome(templates=("order_summary", "order_proposed"))
async def order_proposed(turn: Turn) -> Reply:
    state = food(turn)
    quote = turn.result("quote") or {}
    address = quote.get("delivery_address") or {}
    address_id = address.get("address_id") or turn.vars.get("address_id") or turn.vars.get("default_address_id")
    items = turn.vars["cart_items"]
    key = idempotency_key(turn.caller.tenant, turn.session.session_id, items, str(address_id))
    summary = render("order_summary", quote=quote, address=address)
    state.address_id = address_id
    state.pending = PendingAction(
        action="place_order",
        tool="order.create_order",
        arguments={"items": items, "address_id": address_id, "idempotency_key": key},
        summary=summary,
        idempotency_key=key,
        created_at=datetime.now(UTC),
    )
    return Reply(render("order_proposed", summary=summary))


WriteFailure = Literal["refused", "retryable", "unknown"]


UNKNOWN_OUTCOME = frozenset({ErrorCode.SERVICE_TIMEOUT, ErrorCode.SERVICE_BAD_RESPONSE, ErrorCode.INTERNAL})
"""Failures after which the write may have happened: no answer in time, an answer that could not be
read, a defect that may have struck after the write."""


def write_failure(error: ErrorBody | None) -> WriteFailure:
    """What a failed confirmed write tells: `refused`, the service said no and repeating will not change
    that; `retryable`, it did not happen and may succeed later (the service unavailable or its database
    read-only, a rate limit, a circuit open so it was never sent); `unknown`, it may have happened."""
    if error is None or error.code in UNKNOWN_OUTCOME:
        return "unknown"
    return "retryable" if error.retryable else "refused"


CONFIRM_CALLS = {"place_order": "place", "cancel_order": "cancel", "update_preferences": "updated"}
"""The call of the `confirm` flow that makes each pending action."""


@outcome(
    templates=("already_done", "nothing_pending", "confirm_failed", "order_placed", "order_cancelled",
               "preferences_updated", "preferences_unchanged")
)  # fmt: skip
async def confirmed(turn: Turn) -> Reply:
    state = food(turn)
    pending = state.pending
    if pending is None:
        done = state.last_completed
        if done is not None and datetime.now(UTC) - done.at < REPEAT_WINDOW:
            return Reply(render("already_done", done=done), data={"result_id": done.result_id})
        return Reply(render("nothing_pending"))
    call = CONFIRM_CALLS[pending.action]
    data = turn.result(call)
    if data is None and pending.action == "update_preferences" and not turn.vars.get("preference_change"):
        state.pending = None  # the profile already reads as asked: nothing to write
        return Reply(render("preferences_unchanged", profile=turn.result("profile") or {}))
    if data is None:
        error = turn.error(call)
        failure = write_failure(error)
        if failure == "refused":
            state.pending = None  # it will not succeed by repeating it; the cart stays
        return Reply(render("confirm_failed", pending=pending, error=error, failure=failure))
    if pending.action == "place_order":
        state.cart.clear()
        state.last_order_id = data.get("order_id")
        text = render("order_placed", order=data)
    elif pending.action == "cancel_order":
        text = render("order_cancelled", order=data)
    else:
        text = render("preferences_updated", profile=data)
    state.pending = None
    state.last_completed = CompletedAction(
        action=pending.action,
        idempotency_key=pending.idempotency_key,
        result_id=data.get("order_id"),
        reply=text,
        at=datetime.now(UTC),
    )
    return Reply(text, data=data)


@outcome(templates=("declined",))
async def declined(turn: Turn) -> Reply:
    state = food(turn)
    pending, state.pending = state.pending, None
    return Reply(render("declined", pending=pending, session=state))


@outcome(templates=("tracked",))
async def tracked(turn: Turn) -> Reply:
    tracking = turn.result("tracking") or {}
    if tracking.get("order_id"):
        food(turn).last_order_id = tracking["order_id"]
    return Reply(render("tracked", t=tracking))


@outcome(templates=("history_shown",))
async def history_shown(turn: Turn) -> Reply:
    orders = turn.result("orders") or {}
    return Reply(render("history_shown", orders=orders.get("orders", []), total=orders.get("total_count", 0)))


@outcome(templates=("not_cancellable", "cancel_summary", "cancel_proposed"))
async def cancel_proposed(turn: Turn) -> Reply:
    order = turn.result("order") or {}
    if not order.get("cancellable"):
        return Reply(render("not_cancellable", order=order), suggestions=("where is my order?",))
    reason = str(turn.intent.slots.get("reason") or "cancelled by the customer in chat")[:200]
    summary = render("cancel_summary", order=order)
    food(turn).pending = PendingAction(
        action="cancel_order",
        tool="order.cancel_order",
        arguments={"order_id": order["order_id"], "reason": reason},
        summary=summary,
        idempotency_key=None,
        created_at=datetime.now(UTC),
    )
    return Reply(render("cancel_proposed", summary=summary))
