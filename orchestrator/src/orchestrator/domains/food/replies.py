"""The food conversation's reply templates (`templates/replies/*.j2`) and their filters, and the
replies that do not come from a flow's outcome: a call that failed, a precondition not met."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jinja2 import PackageLoader

from mcp_common.errors import ErrorCode
from orchestrator.conversation.flows import Call, Precondition, Reply, Turn, outcome
from orchestrator.conversation.templates import ReplyTemplates
from orchestrator.domains.food.state import FoodState
from orchestrator.execution.executor import SourceResult


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


REPLIES = ReplyTemplates(
    PackageLoader("orchestrator.domains.food", "templates/replies"), {"gbp": _gbp, "time": _time, "label": _label}
)
render = REPLIES.render
CALL_FAILED_TEMPLATES = ("call_failed",)


def food(turn: Turn) -> FoodState:
    """The food state of the turn's session."""
    state = turn.state
    assert isinstance(state, FoodState), "a food flow runs on the food conversation's state"
    return state


def call_failed(turn: Turn, call: Call, result: SourceResult) -> Reply:
    """The reply when a call the flow needs failed: what failed and whether trying again may help."""
    error = result.error
    code = error.code if error else ErrorCode.INTERNAL
    message = error.message if error else "no answer"
    return Reply(
        render("call_failed", intent=turn.flow.intent, tool=result.name, code=code.value, message=message,
               retryable=bool(error and error.retryable), not_found=code == ErrorCode.NOT_FOUND),
        suggestions=("help",),
    )  # fmt: skip


@outcome(templates=("empty_cart",))
def _empty_cart(turn: Turn) -> Reply:
    return Reply(render("empty_cart"), suggestions=("show me the menu", "what would you recommend?"))


CART = Precondition("cart", lambda turn: bool(food(turn).cart), _empty_cart)
"""The cart has something in it (checkout)."""
