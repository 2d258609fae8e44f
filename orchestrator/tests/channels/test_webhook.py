"""The generic signed webhook (Standard Webhooks): signed requests answer, others are refused; callbacks
go only to allowlisted URLs, signed with the same scheme."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from channel_clients import WEBHOOK_SECRET, link_code, signed_post
from channel_stack import orchestrator
from standardwebhooks.webhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mcp_devtools.testing import free_port, serve

Received = tuple[dict[str, str], bytes]


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[str, queue.Queue[Received]]]:
    """A loopback HTTP server that records the callbacks it receives."""
    inbox: queue.Queue[Received] = queue.Queue()

    async def hook(request: Request) -> Response:
        inbox.put((dict(request.headers), await request.body()))
        return Response(status_code=204)

    app = Starlette(routes=[Route("/hooks/{name}", hook, methods=["POST"])])
    port = free_port()
    with serve(app, port=port) as url:
        yield url, inbox


@pytest.fixture(scope="module")
def hooked(food: dict[str, str], receiver: tuple[str, queue.Queue[Received]]) -> Iterator[str]:
    """An orchestrator whose `n8n` integration may call back under the receiver's /hooks/."""
    integration = {"secret": WEBHOOK_SECRET, "tenant": "default", "callback_urls": [f"{receiver[0]}/hooks/"]}
    with orchestrator(food, webhook_integrations={"n8n": integration}) as url:
        yield url


def refused(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_a_signed_message_is_answered_like_orchestrate(orch: str) -> None:
    prompt = signed_post(orch, {"sender": "crm-contact-1", "text": "show me desserts"})
    assert prompt.status_code == 200
    assert "not linked" in prompt.json()["reply"] and prompt.json()["data"] is None

    code = link_code(orch, "ada@example.com")
    assert "Linked" in signed_post(orch, {"sender": "crm-contact-1", "text": f"link {code}"}).json()["reply"]
    answer = signed_post(orch, {"sender": "crm-contact-1", "text": "show me desserts"}).json()
    assert answer["intent"] == "browse_menu" and answer["data"]["items"]
    assert set(answer) == {"reply", "intent", "confidence", "data", "suggestions", "session_id", "trace"}


def test_a_bad_signature_is_refused(orch: str) -> None:
    other = "whsec_" + "b" * 44
    refused(signed_post(orch, {"sender": "s", "text": "hi"}, secret=other), 403, "FORBIDDEN")
    unsigned = httpx.post(f"{orch}/channels/webhook/n8n", json={"sender": "s", "text": "hi"}, timeout=10)
    refused(unsigned, 403, "FORBIDDEN")


def test_a_stale_or_future_timestamp_is_refused(orch: str) -> None:
    refused(signed_post(orch, {"sender": "s", "text": "hi"}, age=timedelta(minutes=6)), 403, "FORBIDDEN")
    refused(signed_post(orch, {"sender": "s", "text": "hi"}, age=timedelta(minutes=-6)), 403, "FORBIDDEN")
    assert signed_post(orch, {"sender": "s", "text": "hi"}, age=timedelta(minutes=4)).status_code == 200


def test_a_replayed_webhook_id_is_refused(orch: str) -> None:
    first = signed_post(orch, {"sender": "s", "text": "hi"}, msg_id="msg_replayed_once")
    assert first.status_code == 200
    refused(signed_post(orch, {"sender": "s", "text": "hi"}, msg_id="msg_replayed_once"), 409, "CONFLICT")


def test_an_unknown_integration_is_not_found(orch: str) -> None:
    refused(signed_post(orch, {"sender": "s", "text": "hi"}, integration="zapier"), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/computeMetadata/v1/",
        "http://127.0.0.1:1/hooks/x",
        "https://hooks.example.com.evil.test/hooks/x",
    ],
)
def test_a_callback_outside_the_allowlist_is_refused(hooked: str, url: str) -> None:
    response = signed_post(hooked, {"sender": "s", "text": "hi", "callback_url": url})
    refused(response, 403, "FORBIDDEN")


def test_a_callback_outside_the_allowlist_path_is_refused(hooked: str, receiver: tuple[str, Any]) -> None:
    for path in ("/hooksx/a", "/hooks/../admin", "/other"):
        response = signed_post(hooked, {"sender": "s", "text": "hi", "callback_url": receiver[0] + path})
        refused(response, 403, "FORBIDDEN")


def test_a_callback_inside_the_allowlist_receives_a_signed_result(
    hooked: str, receiver: tuple[str, queue.Queue[Received]]
) -> None:
    url, inbox = receiver
    code = link_code(hooked, "ada@example.com")
    signed_post(hooked, {"sender": "crm-contact-2", "text": f"link {code}"})

    accepted = signed_post(
        hooked,
        {"sender": "crm-contact-2", "text": "show me desserts", "callback_url": f"{url}/hooks/n8n"},
        msg_id="msg_with_callback",
    )
    assert accepted.status_code == 202 and accepted.json() == {"accepted": True, "webhook_id": "msg_with_callback"}

    headers, body = inbox.get(timeout=20)
    result = Webhook(WEBHOOK_SECRET).verify(body, headers)  # raises unless correctly signed, now
    assert headers["webhook-in-reply-to"] == "msg_with_callback" and headers["webhook-id"] != "msg_with_callback"
    assert result["intent"] == "browse_menu" and result["data"]["items"]
    with pytest.raises(Exception, match="signature"):
        Webhook("whsec_" + "c" * 44).verify(body, headers)
