"""Slack on loopback for the channel tests: a Web API double (`chat.postMessage`) and `response_url`
receiver, and a Slack user whose requests are signed with Slack's scheme by `slack_sdk`'s own helper."""

from __future__ import annotations

import json
import queue
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from mcp_devtools.testing import serve

SIGNING_SECRET = "slack-test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-1234567890-test-bot-token"
TEAM, BETA_TEAM = "T0ACME0001", "T0BETA0002"
Message = dict[str, Any]


class FakeSlack:
    """Records what the orchestrator sends, per DM channel (`chat.postMessage`) or per `response_url` path."""

    def __init__(self) -> None:
        self.url = ""
        self.fail_next = 0
        self.attempts = 0
        self._inboxes: defaultdict[str, queue.Queue[Message]] = defaultdict(queue.Queue)
        self._lock = threading.Lock()

    def inbox(self, key: str) -> queue.Queue[Message]:
        with self._lock:
            return self._inboxes[key]

    def app(self) -> Starlette:
        async def post_message(request: Request) -> Response:
            self.attempts += 1
            if self.fail_next > 0:
                self.fail_next -= 1
                return JSONResponse({"ok": False, "error": "service_unavailable"}, status_code=503)
            if request.headers.get("authorization") != f"Bearer {BOT_TOKEN}":
                return JSONResponse({"ok": False, "error": "invalid_auth"})
            body = await request.json()
            self.inbox(body["channel"]).put(body)
            return JSONResponse({"ok": True, "channel": body["channel"], "ts": f"{time.time():.6f}"})

        async def respond(request: Request) -> Response:
            self.inbox(f"{request.url.path}").put(await request.json())
            return PlainTextResponse("ok")

        return Starlette(
            routes=[
                Route("/api/chat.postMessage", post_message, methods=["POST"]),
                Route("/respond/{who}", respond, methods=["POST"]),
                Route("/elsewhere/{who}", respond, methods=["POST"]),
            ]
        )


@contextmanager
def fake_slack() -> Iterator[FakeSlack]:
    slack = FakeSlack()
    with serve(slack.app()) as url:
        slack.url = url
        yield slack


def slack_overrides(slack: FakeSlack) -> dict[str, Any]:
    """Settings of an orchestrator whose Slack app answers through `slack` (two workspaces, two tenants)."""
    return {
        "slack_signing_secret": SIGNING_SECRET,
        "slack_bot_token": BOT_TOKEN,
        "slack_teams": {TEAM: "default", BETA_TEAM: "beta"},
        "slack_api_url": f"{slack.url}/api/",
        "slack_response_urls": [f"{slack.url}/respond/"],
        "channel_callback_backoff_s": 0.01,
    }


def signed_headers(body: bytes, *, age_s: float = 0, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Slack's signature headers for `body`, made `age_s` seconds ago."""
    timestamp = str(int(time.time() - age_s))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    return {"x-slack-request-timestamp": timestamp, "x-slack-signature": signature}


def buttons(message: Message, block_id: str | None = None) -> list[Message]:
    """The buttons of a message's actions blocks (of one block, when named)."""
    return [
        element
        for block in message.get("blocks", [])
        if block["type"] == "actions" and block_id in (None, block.get("block_id"))
        for element in block["elements"]
    ]


def text_of(message: Message) -> str:
    return "\n".join(b["text"]["text"] for b in message.get("blocks", []) if b["type"] == "section")


class SlackUser:
    """A person in a Slack workspace talking to the app: DMs (Events API), `/food` and button presses."""

    def __init__(self, orch: str, slack: FakeSlack, user: str, *, team: str = TEAM) -> None:
        self.orch, self.slack, self.user, self.team = orch, slack, user, team
        self.channel = f"D{user}"

    def event(self, text: str, *, event_id: str | None = None, **fields: Any) -> Message:
        event = {"type": "message", "channel_type": "im", "channel": self.channel, "user": self.user, "text": text,
                 "ts": f"{time.time():.6f}"} | fields  # fmt: skip
        return {"type": "event_callback", "team_id": self.team, "api_app_id": "A0APP", "event": event,
                "event_id": event_id or f"Ev{secrets.token_hex(6)}", "event_time": int(time.time())}  # fmt: skip

    def post(self, path: str, body: bytes, *, content_type: str = "application/json", **sign: Any) -> httpx.Response:
        headers = {"content-type": content_type, **signed_headers(body, **sign)}
        return httpx.post(f"{self.orch}/channels/slack/{path}", content=body, headers=headers, timeout=30)

    def send(self, payload: Message, *, retry: int | None = None) -> httpx.Response:
        body = json.dumps(payload).encode()
        headers = {"content-type": "application/json", **signed_headers(body)}
        if retry is not None:
            headers |= {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"}
        return httpx.post(f"{self.orch}/channels/slack/events", content=body, headers=headers, timeout=30)

    def reply(self, key: str | None = None, timeout: float = 30) -> Message:
        return self.slack.inbox(key or self.channel).get(timeout=timeout)

    def say(self, text: str) -> Message:
        """DM the app; the chat.postMessage it answers with."""
        response = self.send(self.event(text))
        assert response.status_code == 200 and response.content == b"", response.text
        return self.reply()

    def command(self, text: str, *, response_url: str | None = None) -> httpx.Response:
        form = {"command": "/food", "text": text, "team_id": self.team, "user_id": self.user,
                "channel_id": self.channel, "trigger_id": f"tr{secrets.token_hex(6)}",
                "response_url": response_url or f"{self.slack.url}/respond/{self.user}"}  # fmt: skip
        return self.post("commands", urlencode(form).encode(), content_type="application/x-www-form-urlencoded")

    def action_body(self, message: Message, label: str, *, ephemeral: bool = False, trigger: str = "") -> bytes:
        """The `block_actions` form Slack sends when the button labelled `label` of `message` is pressed."""
        button = next((b for b in buttons(message) if b["text"]["text"].startswith(label)), None)
        assert button is not None, [b["text"]["text"] for b in buttons(message)]
        payload = {"type": "block_actions", "team": {"id": self.team}, "user": {"id": self.user, "team_id": self.team},
                   "trigger_id": trigger or f"tr{secrets.token_hex(6)}", "channel": {"id": self.channel},
                   "container": {"type": "message", "is_ephemeral": ephemeral},
                   "response_url": f"{self.slack.url}/respond/{self.user}",
                   "actions": [button | {"block_id": "x", "action_ts": f"{time.time():.6f}"}]}  # fmt: skip
        return urlencode({"payload": json.dumps(payload)}).encode()

    def press(self, message: Message, label: str, *, ephemeral: bool = False) -> Message:
        """Press a button; the reply (in the DM, or through the response_url for an ephemeral message)."""
        body = self.action_body(message, label, ephemeral=ephemeral)
        response = self.post("interactions", body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200, response.text
        return self.reply(f"/respond/{self.user}" if ephemeral else None)

    def nothing_more(self, key: str | None = None, wait_s: float = 1.0) -> bool:
        """True when no further message arrives within `wait_s`."""
        try:
            self.reply(key, timeout=wait_s)
        except queue.Empty:
            return True
        return False
