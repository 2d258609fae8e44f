"""Block Kit rendering of a turn: sections within Slack's limits, item and confirm/cancel buttons."""

from __future__ import annotations

from datetime import UTC, datetime

from orchestrator.channels.slack_blocks import blocks, escape, fallback, item_message, pressed
from orchestrator.channels.turns import Turn
from orchestrator.core.results import Answer


def turn(intent: str, data: dict[str, object] | None, choices: list[str], reply: str = "Here you go") -> Turn:
    answer = Answer(answer=reply, sources=[], confidence=1.0, cached=False, timestamp=datetime.now(UTC),
                    trace_id="t", intent=intent, data=data, suggestions=choices)  # fmt: skip
    return Turn(reply, choices, answer, intent)


def test_a_menu_gets_one_add_button_per_dish_named_by_its_position() -> None:
    items = [{"item_id": f"i{n}", "name": f"Dish {n}"} for n in range(1, 8)]
    rendered = blocks(turn("browse_menu", {"items": items}, ["show me vegan mains"]))
    actions = {b["block_id"]: b["elements"] for b in rendered if b["type"] == "actions"}
    assert [b["text"]["text"] for b in actions["items"]] == [f"Add {n}. Dish {n}" for n in range(1, 6)]
    assert [b["value"] for b in actions["items"]][:2] == ["add the 1st one", "add the 2nd one"]
    assert item_message(7) == "add number 7"
    assert [b["value"] for b in actions["choices"]] == ["show me vegan mains"]


def test_items_of_other_replies_get_no_add_buttons() -> None:
    rendered = blocks(turn("track_order", {"items": [{"item_id": "i1", "name": "Dish"}]}, []))
    assert [b["type"] for b in rendered] == ["section"]


def test_a_pending_yes_gets_confirm_and_cancel() -> None:
    elements = blocks(turn("checkout", {}, ["yes", "no", "deliver to my work address"]))[-1]["elements"]
    assert [(b["text"]["text"], b["value"], b.get("style")) for b in elements] == [
        ("Confirm", "yes", "primary"),
        ("Cancel", "no", "danger"),
        ("deliver to my work address", "deliver to my work address", None),
    ]


def test_text_is_escaped_and_cut_to_slacks_limits() -> None:
    assert escape("Fish & <chips>") == "Fish &amp; &lt;chips&gt;"
    long = "\n".join(f"line {n} " + "x" * 90 for n in range(100))
    rendered = blocks(Turn(long, ["a very long suggestion " * 6]))
    sections = [b for b in rendered if b["type"] == "section"]
    assert len(sections) >= 3 and all(len(b["text"]["text"]) <= 3000 for b in sections)
    assert len(rendered[-1]["elements"][0]["text"]["text"]) <= 75
    assert len(fallback(Turn(long))) <= 3000


def test_only_a_button_with_a_value_is_a_message() -> None:
    assert pressed({"type": "button", "value": "yes"}) == "yes"
    assert pressed({"type": "static_select", "value": "yes"}) is None
    assert pressed({"type": "button"}) is None
