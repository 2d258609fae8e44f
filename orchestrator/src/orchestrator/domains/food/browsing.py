"""Outcomes of browsing: the menu, recommendations, the profile and help."""

from __future__ import annotations

from typing import Any

from orchestrator.conversation.flows import Reply, Turn, outcome
from orchestrator.domains.food.replies import food, render
from orchestrator.domains.food.state import ShownItem


def remember(turn: Turn, items: list[dict[str, Any]]) -> None:
    """The items a reply lists, so "the first one" can be resolved on the next turn."""
    food(turn).last_shown = [
        ShownItem(item_id=i["item_id"], name=i["name"], price_cents=i.get("price_cents")) for i in items
    ]


@outcome(templates=("menu_shown",))
async def menu_shown(turn: Turn) -> Reply:
    menu = turn.result("menu") or {}
    items = menu.get("items", [])
    remember(turn, items)
    profile = turn.result("profile") or {}
    allergies = set(profile.get("allergens", []))
    flagged = {i["item_id"]: sorted(allergies & set(i.get("allergens", []))) for i in items}
    return Reply(render("menu_shown", items=items, total=menu.get("total", len(items)), flagged=flagged,
                        filters=turn.intent.slots))  # fmt: skip


@outcome(templates=("recommended",))
async def recommended(turn: Turn) -> Reply:
    picks = turn.result("picks") or {}
    items = picks.get("items", [])
    remember(turn, items)
    return Reply(render("recommended", items=items, based_on=picks.get("based_on", {})))


@outcome(templates=("preferences_unclear", "preferences_updated"))
async def preferences_updated(turn: Turn) -> Reply:
    updated = turn.result("updated")
    if updated is None:
        return Reply(render("preferences_unclear", profile=turn.result("profile") or {}))
    return Reply(render("preferences_updated", profile=updated))


@outcome(templates=("profile_shown",))
async def profile_shown(turn: Turn) -> Reply:
    return Reply(render("profile_shown", p=turn.result("profile") or {}))


@outcome(templates=("help",))
async def help_reply(turn: Turn) -> Reply:
    return Reply(render("help", confused=turn.intent.confidence < 0.5))
