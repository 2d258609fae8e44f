"""Outcomes of browsing: the menu, recommendations, the profile (and the change to it awaiting a yes),
help and the clarifying question."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from orchestrator.conversation.flows import Reply, Turn, outcome
from orchestrator.domains.food.intents import DEFAULT_OPTIONS, READINGS
from orchestrator.domains.food.replies import food, render
from orchestrator.domains.food.state import Clarification, PendingAction, ShownItem
from orchestrator.planning.search_words import search_text

PREFERENCE_CHANGES: dict[str, tuple[str, str, str]] = {
    "add_dietary": ("add", "dietary_preferences", "to your diet"),
    "remove_dietary": ("remove", "dietary_preferences", "from your diet"),
    "add_allergens": ("add", "allergens", "to your allergies"),
    "remove_allergens": ("remove", "allergens", "from your allergies"),
    "add_cuisines": ("add", "favourite_cuisines", "to your favourite cuisines"),
    "remove_cuisines": ("remove", "favourite_cuisines", "from your favourite cuisines"),
}
"""Each preference slot: whether it adds or removes, the profile field, and how the summary says it."""


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


@outcome(templates=("preferences_unclear", "preferences_summary", "preferences_proposed"))
async def preferences_proposed(turn: Turn) -> Reply:
    """The change the message states, summarised and kept pending: only "yes" (`confirm`) makes it."""
    profile = turn.result("profile") or {}
    changes: dict[str, list[str]] = {}
    for slot, (verb, field, _) in PREFERENCE_CHANGES.items():
        current = profile.get(field, [])
        values = [v for v in turn.intent.slots.get(slot, []) if (v in current) == (verb == "remove")]
        if values:
            changes[slot] = values
    if not changes or not turn.vars.get("preference_change"):
        return Reply(render("preferences_unclear", profile=profile))
    summary = render("preferences_summary", changes=changes, wording=PREFERENCE_CHANGES)
    after = {
        "dietary_preferences": turn.vars.get("new_dietary") or profile.get("dietary_preferences", []),
        "allergens": turn.vars.get("new_allergens") or profile.get("allergens", []),
        "favourite_cuisines": turn.vars.get("new_cuisines") or profile.get("favourite_cuisines", []),
    }
    food(turn).pending = PendingAction(
        action="update_preferences",
        tool="customer_profile.update_preferences",
        arguments=changes,
        summary=summary,
        idempotency_key=None,
        created_at=datetime.now(UTC),
    )
    return Reply(render("preferences_proposed", summary=summary, profile=after), data={"proposed": changes})


@outcome(templates=("profile_shown",))
async def profile_shown(turn: Turn) -> Reply:
    return Reply(render("profile_shown", p=turn.result("profile") or {}))


@outcome(templates=("help", "clarify"))
async def help_reply(turn: Turn) -> Reply:
    """Help when asked for; when the message was not understood, one short question naming the two or
    three likeliest readings, kept in the session so the next reply ("1", "the menu") answers it."""
    options = [o for o in turn.intent.slots.get("options", []) if o in READINGS][:3]
    slots = {k: v for k, v in turn.intent.slots.items() if k != "options"}
    # Free text is kept for the chosen reading only where it names food ("paneer", then "the menu": a search
    # for paneer); gibberish is not searched for ("asdfgh", then "1": the menu).
    if isinstance(slots.get("text"), str):
        food_words = search_text(f" {slots['text'].lower()} ", set())
        slots = {k: v for k, v in slots.items() if k != "text"} | ({"text": food_words} if food_words else {})
    if not options and turn.intent.confidence < 0.5:
        options = list(DEFAULT_OPTIONS)
    if not options:
        return Reply(render("help"))
    food(turn).clarification = Clarification(options=options, slots=slots)
    readings = [READINGS[o] for o in options]
    return Reply(render("clarify", readings=readings), suggestions=tuple(readings))
