"""Clients of the channel adapters as the platforms call them: a phone through Twilio, a signed webhook."""

from __future__ import annotations

import base64
import json
import secrets
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook
from twilio.request_validator import RequestValidator

AUTH_TOKEN = "twilio-test-auth-token-0123456789"
PUBLIC_URL = "https://orchestrator.example.run.app"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"a test secret of thirty-two bytes").decode()


def link_code(orch: str, email: str) -> str:
    """A one-time link code for `email` (development mode: the body names the user)."""
    response = httpx.post(f"{orch}/channels/link", json={"email": email}, timeout=10)
    assert response.status_code == 200, response.text
    code: str = response.json()["code"]
    return code


def order_count(services: dict[str, str], email: str) -> int:
    """How many orders `email` has, asked of the order service directly."""
    response = httpx.post(
        f"{services['order']}/mcp/call",
        json={"tool": "list_orders", "arguments": {"email": email, "limit": 1}, "context": {"caller": email}},
        timeout=10,
    )
    count: int = response.json()["result"]["total_count"]
    return count


def assert_refused(response: httpx.Response, status: int, code: str) -> None:
    """The error envelope with this status and code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code and body["trace_id"] and body["timestamp"]


def twiml_messages(xml: str) -> list[str]:
    return [message.text or "" for message in ET.fromstring(xml).iter("Message")]


class Phone:
    """A phone texting an orchestrator's Twilio number; Twilio's own helper signs each request."""

    def __init__(self, orch: str, number: str, *, to: str = "+15550100") -> None:
        self.orch = orch
        self.number = number
        self.to = to

    def params(self, body: str, sid: str | None = None) -> dict[str, str]:
        return {
            "From": self.number,
            "To": self.to,
            "Body": body,
            "MessageSid": sid or f"SM{secrets.token_hex(16)}",
            "AccountSid": "AC" + "0" * 32,
            "NumMedia": "0",
        }

    def post(
        self,
        params: dict[str, str],
        *,
        signed: dict[str, str] | None = None,
        url: str | None = None,
        token: str = AUTH_TOKEN,
    ) -> httpx.Response:
        """POST `params`, signed over `signed` (default: the same params) for `url` (default: the public URL)."""
        target = url or f"{PUBLIC_URL}/channels/twilio"
        signature = RequestValidator(token).compute_signature(target, signed if signed is not None else params)
        return httpx.post(f"{self.orch}/channels/twilio", data=params, headers={"X-Twilio-Signature": signature},
                          timeout=30)  # fmt: skip

    def send(self, body: str, sid: str | None = None) -> httpx.Response:
        return self.post(self.params(body, sid))

    def say(self, body: str) -> str:
        """The reply's text (its messages joined)."""
        response = self.send(body)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        return "\n".join(twiml_messages(response.text))


def signed_post(orch: str, body: dict[str, Any], *, integration: str = "n8n", secret: str = WEBHOOK_SECRET,
                msg_id: str | None = None, age: timedelta = timedelta(0)) -> httpx.Response:  # fmt: skip
    """POST `body` to the generic webhook, signed with Standard Webhooks at now - `age`."""
    raw = json.dumps(body).encode()
    msg_id = msg_id or f"msg_{secrets.token_hex(12)}"
    when = datetime.now(UTC) - age
    headers = {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, when, raw),
    }
    return httpx.post(f"{orch}/channels/webhook/{integration}", content=raw, headers=headers, timeout=30)
