"""The Slack app manifest (deploy/slack/manifest.yaml) points Slack at the routes the orchestrator mounts."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import yaml  # type: ignore[import-untyped]
from channel_stack import channel_settings
from slack_fake import BOT_TOKEN, SIGNING_SECRET

from orchestrator.app import create_app

MANIFEST = Path(__file__).resolve().parents[3] / "deploy" / "slack" / "manifest.yaml"


def test_the_manifest_names_the_mounted_slack_routes_and_the_scopes_they_need() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    settings = manifest["settings"]
    urls = [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        *(command["url"] for command in manifest["features"]["slash_commands"]),
    ]
    app = create_app(channel_settings({}, slack_signing_secret=SIGNING_SECRET, slack_bot_token=BOT_TOKEN,
                                      slack_teams={"T1": "default"}))  # fmt: skip
    paths = set(app.openapi()["paths"])
    assert [urlsplit(url).path for url in urls] == [
        "/channels/slack/events",
        "/channels/slack/interactions",
        "/channels/slack/commands",
    ]
    assert all(urlsplit(url).scheme == "https" and urlsplit(url).path in paths for url in urls)
    assert settings["event_subscriptions"]["bot_events"] == ["message.im"]
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {"chat:write", "im:history", "commands"}
    assert settings["interactivity"]["is_enabled"] and not settings["socket_mode_enabled"]
