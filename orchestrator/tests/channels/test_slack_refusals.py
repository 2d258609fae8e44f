"""Slack requests that are not Slack's, too old, from another workspace, from bots or from unlinked users."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import urlencode

import httpx
import pytest
from channel_clients import assert_refused, link_code
from channel_stack import channel_settings
from pydantic import ValidationError
from slack_fake import BETA_TEAM, BOT_TOKEN, SIGNING_SECRET, FakeSlack, SlackUser, buttons, signed_headers

from orchestrator.settings import Settings


def test_a_tampered_body_or_another_secret_is_refused(slack_orch: str, slack: FakeSlack) -> None:
    eve = SlackUser(slack_orch, slack, "U0EVE00001")
    signed = json.dumps(eve.event("show me desserts")).encode()
    tampered = signed.replace(b"show me desserts", b"cancel my order!")
    headers = {"content-type": "application/json", **signed_headers(signed)}
    response = httpx.post(f"{slack_orch}/channels/slack/events", content=tampered, headers=headers, timeout=10)
    assert_refused(response, 403, "FORBIDDEN")
    assert_refused(eve.post("events", signed, secret=SIGNING_SECRET + "x"), 403, "FORBIDDEN")
    for path in ("events", "commands", "interactions"):
        unsigned = httpx.post(f"{slack_orch}/channels/slack/{path}", content=signed, timeout=10)
        assert_refused(unsigned, 403, "FORBIDDEN")
    assert eve.nothing_more(wait_s=0.3)


def test_a_stale_request_is_refused_even_when_signed(slack_orch: str, slack: FakeSlack) -> None:
    eve = SlackUser(slack_orch, slack, "U0EVE00002")
    body = json.dumps(eve.event("show me desserts")).encode()
    assert_refused(eve.post("events", body, age_s=6 * 60), 403, "FORBIDDEN")
    assert_refused(eve.post("events", body, age_s=-6 * 60), 403, "FORBIDDEN")  # from the future
    assert eve.post("events", body, age_s=60).status_code == 200  # a minute late is within Slack's 5


def test_an_unknown_workspace_is_refused(slack_orch: str, slack: FakeSlack) -> None:
    stranger = SlackUser(slack_orch, slack, "U0STRANGE1", team="T0UNKNOWN9")
    assert_refused(stranger.send(stranger.event("show me desserts")), 403, "FORBIDDEN")
    assert_refused(stranger.command("show me desserts"), 403, "FORBIDDEN")
    message = {"blocks": [{"type": "actions", "elements": [{"type": "button", "text": {"text": "Confirm"},
                                                            "value": "yes", "action_id": "choice-1"}]}]}  # fmt: skip
    body = stranger.action_body(message, "Confirm")
    assert_refused(stranger.post("interactions", body, content_type="application/x-www-form-urlencoded"), 403,
                   "FORBIDDEN")  # fmt: skip
    assert stranger.nothing_more(wait_s=0.3)


def test_an_unlinked_user_gets_only_the_linking_prompt(slack_orch: str, slack: FakeSlack) -> None:
    mallory = SlackUser(slack_orch, slack, "U0MALLORY1")
    for text in ("show me desserts", "where is my order?", "show my profile", "yes"):
        reply = mallory.say(text)
        assert "not linked to an account" in reply["text"] and "link <code>" in reply["text"]
        assert buttons(reply) == [] and len(reply["blocks"]) == 1


def test_a_link_is_per_workspace(slack_orch: str, slack: FakeSlack) -> None:
    """The same user id in another workspace (another tenant) is another sender; a code of one tenant
    does not link it."""
    acme = SlackUser(slack_orch, slack, "U0SAMEID01")
    assert "Linked" in acme.say(f"link {link_code(slack_orch, 'alan@example.com')}")["text"]
    beta = SlackUser(slack_orch, slack, "U0SAMEID01", team=BETA_TEAM)
    beta.channel = "DBETA0001"
    assert "not linked" in beta.say("show me desserts")["text"]
    assert "not valid" in beta.say(f"link {link_code(slack_orch, 'alan@example.com')}")["text"]


def test_bot_messages_and_other_subtypes_are_ignored(slack_orch: str, slack: FakeSlack) -> None:
    bot = SlackUser(slack_orch, slack, "U0BOTUSER1")
    for fields in ({"bot_id": "B0APP"}, {"subtype": "bot_message"}, {"subtype": "message_changed"},
                   {"channel_type": "channel"}):  # fmt: skip
        response = bot.send(bot.event("show me desserts", **fields))
        assert response.status_code == 200 and response.content == b""
    assert bot.nothing_more(wait_s=0.5)  # no reply: the bot never answers itself


def test_a_response_url_outside_the_allowlist_is_not_called(slack_orch: str, slack: FakeSlack) -> None:
    ivan = SlackUser(slack_orch, slack, "U0IVAN0001")
    elsewhere = f"{slack.url}/elsewhere/{ivan.user}"
    assert ivan.command("show me desserts", response_url=elsewhere).status_code == 200
    assert ivan.nothing_more(f"/elsewhere/{ivan.user}", wait_s=0.5)


def test_the_slack_secrets_are_never_shown() -> None:
    settings = channel_settings({}, slack_signing_secret=SIGNING_SECRET, slack_bot_token=BOT_TOKEN,
                                slack_teams={"T1": "default"})  # fmt: skip
    shown = repr(settings) + str(settings.model_dump())
    assert SIGNING_SECRET not in shown and BOT_TOKEN not in shown
    with pytest.raises(ValidationError, match="ORCH_SLACK_BOT_TOKEN") as refused:
        Settings(slack_signing_secret=SIGNING_SECRET)
    assert SIGNING_SECRET not in str(refused.value)


def test_only_the_configured_channels_routes_and_sdks_are_loaded() -> None:
    code = (
        "import sys; from orchestrator.app import create_app; from orchestrator.settings import Settings\n"
        "paths = create_app(Settings(services={}, state_backend='memory')).openapi()['paths']\n"
        "print(sorted(p for p in paths if p.startswith('/channels')))\n"
        "print([m for m in ('twilio', 'standardwebhooks', 'slack_sdk') if m in sys.modules])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCH_")} | {
        "ORCH_SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "ORCH_SLACK_BOT_TOKEN": BOT_TOKEN,
        "ORCH_SLACK_TEAMS": json.dumps({"T1": "default"}),
    }
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120,
                          env=env)  # fmt: skip
    paths, modules = done.stdout.strip().splitlines()
    assert paths == str(["/channels/link", "/channels/slack/commands", "/channels/slack/events",
                         "/channels/slack/interactions"])  # fmt: skip
    assert modules == str(["slack_sdk"])


def test_a_malformed_payload_is_refused(slack_orch: str, slack: FakeSlack) -> None:
    user = SlackUser(slack_orch, slack, "U0BROKEN01")
    assert_refused(user.post("events", b"not json"), 400, "INVALID_REQUEST")
    form = urlencode({"payload": "[1, 2]"}).encode()
    assert_refused(user.post("interactions", form, content_type="application/x-www-form-urlencoded"), 400,
                   "INVALID_REQUEST")  # fmt: skip
