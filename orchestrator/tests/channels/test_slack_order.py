"""A whole food order over Slack with buttons: signed requests in, replies through the real `AsyncWebClient`
and `response_url` to a loopback Slack, against the real food services."""

from __future__ import annotations

import json
import re

from channel_clients import link_code, order_count
from slack_fake import FakeSlack, SlackUser, buttons, text_of


def test_the_url_verification_challenge_is_answered(slack_orch: str, slack: FakeSlack) -> None:
    body = json.dumps({"type": "url_verification", "token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV"}).encode()
    response = SlackUser(slack_orch, slack, "U0CHALLENGE").post("events", body)
    assert response.status_code == 200 and response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV"}


def test_a_whole_food_order_over_slack_with_buttons(slack_orch: str, slack: FakeSlack, food: dict[str, str]) -> None:
    ada = SlackUser(slack_orch, slack, "U0ADA00001")
    before = order_count(food, "ada@example.com")

    linked = ada.say(f"link {link_code(slack_orch, 'ada@example.com')}")
    assert "Linked to a***@example.com" in linked["text"] and linked["channel"] == ada.channel

    menu = ada.say("show me vegetarian mains under 15")
    items = buttons(menu, "items")
    assert len(items) >= 2 and [b["value"] for b in items[:2]] == ["add the 1st one", "add the 2nd one"]
    second = re.sub(r"^Add 2\. ", "", items[1]["text"]["text"])
    assert second in text_of(menu)  # the button names the dish the reply lists second

    added = ada.press(menu, "Add 2.")
    assert second.lower() in text_of(added).lower(), text_of(added)
    assert "checkout" in [b["value"] for b in buttons(added, "choices")]

    summary = ada.press(added, "checkout")
    confirm = {b["text"]["text"]: b for b in buttons(summary, "choices")}
    assert confirm["Confirm"]["value"] == "yes" and confirm["Confirm"]["style"] == "primary"
    assert confirm["Cancel"]["value"] == "no" and confirm["Cancel"]["style"] == "danger"
    assert "£" in text_of(summary)
    assert order_count(food, "ada@example.com") == before  # nothing placed without a press of Confirm

    placed = ada.press(summary, "Confirm")
    assert order_count(food, "ada@example.com") == before + 1
    order_id = re.search(r"\b(ord[-_][A-Za-z0-9-]+)", text_of(placed))
    assert order_id, text_of(placed)

    tracking = ada.say("where is my order?")
    assert order_id.group(1) in text_of(tracking) and "Timeline" in text_of(tracking)


def test_the_slash_command_links_and_answers_through_its_response_url(
    slack_orch: str, slack: FakeSlack, food: dict[str, str]
) -> None:
    grace = SlackUser(slack_orch, slack, "U0GRACE001")
    inbox = f"/respond/{grace.user}"
    response = grace.command(f"link {link_code(slack_orch, 'grace@example.com')}")
    assert response.status_code == 200 and response.content == b""  # acknowledged at once, answered later
    assert "Linked to g***@example.com" in grace.reply(inbox)["text"]

    assert grace.command("show me desserts").status_code == 200
    desserts = grace.reply(inbox)
    assert buttons(desserts, "items") and "replace_original" in desserts and not desserts["replace_original"]

    added = grace.press(desserts, "Add 1.", ephemeral=True)  # a button of the ephemeral reply answers there too
    assert "checkout" in [b["value"] for b in buttons(added, "choices")]
    assert grace.nothing_more(grace.channel, wait_s=0.2)  # nothing went to the DM


def test_a_retry_storm_is_one_turn_and_one_order(slack_orch: str, slack: FakeSlack, food: dict[str, str]) -> None:
    linus = SlackUser(slack_orch, slack, "U0LINUS001")
    email = "linus@example.com"
    linus.say(f"link {link_code(slack_orch, email)}")
    linus.say("show me desserts")
    linus.say("add the first one")
    assert buttons(linus.say("checkout"), "choices")
    before = order_count(food, email)

    payload = linus.event("yes")
    responses = [linus.send(payload)] + [linus.send(payload, retry=n) for n in range(1, 5)]

    assert [r.status_code for r in responses] == [200] * 5
    placed = linus.reply()
    assert "placed" in text_of(placed).lower()
    assert linus.nothing_more()  # one turn: one reply
    assert order_count(food, email) == before + 1


def test_a_replayed_button_press_is_one_turn(slack_orch: str, slack: FakeSlack, food: dict[str, str]) -> None:
    margaret = SlackUser(slack_orch, slack, "U0MARG0001")
    email = "margaret@example.com"
    margaret.say(f"link {link_code(slack_orch, email)}")
    margaret.say("show me desserts")
    margaret.say("add the first one")
    summary = margaret.say("checkout")
    before = order_count(food, email)

    body = margaret.action_body(summary, "Confirm", trigger="tr-replayed-0001")
    responses = [margaret.post("interactions", body, content_type="application/x-www-form-urlencoded")
                 for _ in range(3)]  # fmt: skip

    assert [r.status_code for r in responses] == [200] * 3
    assert "placed" in text_of(margaret.reply()).lower()
    assert margaret.nothing_more()
    assert order_count(food, email) == before + 1


def test_a_reply_is_retried_when_slack_answers_503(slack_orch: str, slack: FakeSlack) -> None:
    ken = SlackUser(slack_orch, slack, "U0KEN00001")
    attempts = slack.attempts
    slack.fail_next = 1
    prompt = ken.say("hello")
    assert "not linked" in prompt["text"]
    assert slack.attempts == attempts + 2  # the 503, then the SDK's retry handler's second attempt
    assert ken.nothing_more(wait_s=0.3)
