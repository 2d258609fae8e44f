"""Slack replies as Block Kit: the reply text in sections, buttons for the dishes shown and the choices offered.

A reply that waits for a yes (an order or a profile change) gets a green "Confirm" and a red "Cancel"
button; the other suggestions become plain buttons; the dishes a menu or recommendation lists get one
"Add" button each. A button's `value` is the very message it stands for ("yes", "no", "add the 2nd
one"), so a press is answered exactly as if the user had typed it. The interactivity endpoint turns a
press back into that text with `pressed`.
"""

from __future__ import annotations

from typing import Any

from orchestrator.channels.text import split
from orchestrator.channels.turns import Turn

SECTION_CHARS = 3000
"""Slack's limit on a section's text."""
BUTTON_CHARS = 75
"""Slack's limit on a button's label."""
MAX_SECTIONS = 10
MAX_ITEM_BUTTONS = 5
MAX_CHOICE_BUTTONS = 5
ITEM_INTENTS = frozenset({"browse_menu", "recommend"})
_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th"}
_CONFIRM = {"yes": ("Confirm", "primary"), "no": ("Cancel", "danger")}

Block = dict[str, Any]


def escape(text: str) -> str:
    """`text` for Slack's mrkdwn: `&`, `<` and `>` are control characters there."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def item_message(position: int) -> str:
    """What pressing the button of the `position`-th dish says: "add the 2nd one" ("add number 7" past 5th)."""
    ordinal = _ORDINALS.get(position)
    return f"add the {ordinal} one" if ordinal else f"add number {position}"


def blocks(turn: Turn) -> list[Block]:
    """The turn as Block Kit blocks (see the module docstring)."""
    sections: list[Block] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": escape(part) or " "}}
        for part in split(turn.reply, limit=SECTION_CHARS, max_messages=MAX_SECTIONS)
    ]
    items = _item_buttons(turn)
    if items:
        sections.append({"type": "actions", "block_id": "items", "elements": items})
    choices = _choice_buttons(turn.choices)
    if choices:
        sections.append({"type": "actions", "block_id": "choices", "elements": choices})
    return sections


def fallback(turn: Turn) -> str:
    """The plain text Slack shows in notifications (and where blocks cannot be shown)."""
    return turn.reply[:SECTION_CHARS]


def pressed(action: dict[str, Any]) -> str | None:
    """The message a pressed button stands for; None for anything but one of our buttons."""
    value = action.get("value")
    if action.get("type") != "button" or not isinstance(value, str) or not value.strip():
        return None
    return value[:200]


def _button(label: str, value: str, action_id: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": _label(label), "emoji": True},
        "value": value,
        "action_id": action_id,
    }
    if style is not None:
        button["style"] = style
    return button


def _item_buttons(turn: Turn) -> list[Block]:
    data = turn.answer.data if turn.answer is not None else None
    if turn.intent not in ITEM_INTENTS or not isinstance(data, dict):
        return []
    items = [item for item in data.get("items") or [] if isinstance(item, dict) and item.get("name")]
    return [
        _button(f"Add {n}. {item['name']}", item_message(n), f"item-{n}")
        for n, item in enumerate(items[:MAX_ITEM_BUTTONS], start=1)
    ]


def _choice_buttons(choices: list[str]) -> list[Block]:
    buttons = []
    for n, choice in enumerate(choices[:MAX_CHOICE_BUTTONS], start=1):
        label, style = _CONFIRM.get(choice.strip().lower(), (choice, None))
        buttons.append(_button(label, choice, f"choice-{n}", style))
    return buttons


def _label(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= BUTTON_CHARS else text[: BUTTON_CHARS - 1].rstrip() + "…"
