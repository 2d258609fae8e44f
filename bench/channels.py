"""Benchmark: what a channel adapter adds to a conversation turn, against a plain `/orchestrate` turn, in one run.

The food services (menu, customer_profile, order, tracking) and one orchestrator with Twilio and a
generic webhook configured run in this process, each on its own loopback port (uvicorn threads). One
linked user sends the same message ("show me desserts": session load and save, intent, tool calls
answered from the tool cache, reply) as:

(a) POST /orchestrate                      the baseline
(b) POST /channels/twilio (SMS)            + Twilio signature check (HMAC-SHA1 over URL and form), To → tenant,
                                             MessageSid replay claim and stored reply, sender → link → caller,
                                             choices, TwiML rendering
(c) POST /channels/webhook/n8n             + Standard Webhooks check (HMAC-SHA256, timestamp), webhook-id claim,
                                             sender → link → caller, the /orchestrate JSON body
(d) POST /channels/twilio, unlinked sender the adapter alone: signature, replay claim, the linking prompt (no engine)
(e) POST /channels/slack/events, ack        Slack's 200: signature (slack_sdk SignatureVerifier, HMAC-SHA256 of
                                             "v0:ts:body"), team_id → tenant, event_id claim; the turn runs after it
(f) the same Slack event, reply delivered  until a loopback Slack Web API has received the reply: the ack, then
                                             sender → link → caller, the turn, Block Kit rendering, chat.postMessage
                                             through slack_sdk's AsyncWebClient
(g) a Slack retry of a claimed event       the adapter alone: signature, tenant, the event_id found claimed, 200
                                             (X-Slack-Retry-Num set; no turn, nothing posted)

Requests are signed before they are timed (each carries a new MessageSid / webhook-id / event_id). Sequential
requests on one keep-alive connection per path; rounds interleaved, the order reversed every other
round; the figure of a path is the median of its round medians; (e) and (f) are two timings of the same
requests, the next sent once the reply has arrived. State backend: memory.

Usage: uv run --frozen python bench/channels.py [--rounds 7] [--requests 200]
"""

from __future__ import annotations

import argparse
import base64
import json
import queue
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from slack_sdk.signature import SignatureVerifier
from standardwebhooks.webhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from customer_profile_service.app import create_app as profile_app
from customer_profile_service.settings import Settings as ProfileSettings
from mcp_devtools.testing import serve
from menu_service.app import create_app as menu_app
from menu_service.settings import Settings as MenuSettings
from orchestrator.app import create_app
from orchestrator.settings import Settings
from order_service.app import create_app as order_app
from order_service.settings import Settings as OrderSettings
from tracking_service.app import create_app as tracking_app
from tracking_service.settings import Settings as TrackingSettings

TOKEN, PUBLIC, NUMBER = "bench-twilio-token", "https://orchestrator.bench.example", "+15550100"
SECRET = "whsec_" + base64.b64encode(b"bench secret of thirty-two bytes").decode()
SLACK_SECRET, SLACK_TOKEN, TEAM = "bench-slack-signing-secret", "xoxb-bench-token", "T0BENCH001"
EMAIL, MESSAGE = "ada@example.com", "show me desserts"
Prepared = tuple[str, dict[str, str], bytes]
SLACK, DELIVERED, RETRY = "(e) slack ack", "(f) slack delivered", "(g) slack retry"
posted: queue.Queue[str] = queue.Queue()
"""The texts the loopback Slack Web API was asked to post."""


async def post_message(request: Request) -> Response:
    """A loopback `chat.postMessage`: records the channel and answers as Slack does."""
    body = await request.json()
    posted.put(body["text"])
    return JSONResponse({"ok": True, "channel": body["channel"], "ts": f"{time.time():.6f}"})


@contextmanager
def stack(data: Path) -> Iterator[str]:
    """The food services and an orchestrator with channels, on loopback; yields the orchestrator's URL."""
    db = {name: f"sqlite+aiosqlite:///{data / name}.db" for name in ("menu", "profile", "order", "tracking")}
    with ExitStack() as running:
        menu = running.enter_context(serve(menu_app(MenuSettings(database_url=db["menu"]))))
        profile = running.enter_context(serve(profile_app(ProfileSettings(database_url=db["profile"]))))
        order_settings = OrderSettings(database_url=db["order"], menu_url=menu, customer_profile_url=profile)
        order = running.enter_context(serve(order_app(order_settings)))
        tracking = running.enter_context(
            serve(tracking_app(TrackingSettings(database_url=db["tracking"], order_url=order)))
        )
        slack = running.enter_context(
            serve(Starlette(routes=[Route("/api/chat.postMessage", post_message, methods=["POST"])]))
        )
        settings = Settings(
            services={"menu": menu, "customer_profile": profile, "order": order, "tracking": tracking},
            state_backend="memory",
            catalog_refresh_s=3600,
            log_level="WARNING",
            public_url=PUBLIC,
            twilio_auth_token=TOKEN,
            twilio_numbers={NUMBER: "default"},
            webhook_integrations={"n8n": {"secret": SECRET}},
            slack_signing_secret=SLACK_SECRET,
            slack_bot_token=SLACK_TOKEN,
            slack_teams={TEAM: "default"},
            slack_api_url=f"{slack}/api/",
        )
        yield running.enter_context(serve(create_app(settings)))


def orchestrate(text: str) -> Prepared:
    body = {"channel": "web", "message": text, "user": {"email": EMAIL}, "session_id": "bench-session-1"}
    return "/orchestrate", {"content-type": "application/json"}, json.dumps(body).encode()


def twilio(sender: str) -> Callable[[str], Prepared]:
    """A Twilio delivery from `sender`, signed with Twilio's helper for the public URL."""

    def prepare(text: str) -> Prepared:
        params = {"From": sender, "To": NUMBER, "Body": text, "MessageSid": f"SM{secrets.token_hex(16)}"}
        signature = RequestValidator(TOKEN).compute_signature(f"{PUBLIC}/channels/twilio", params)
        headers = {"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature}
        return "/channels/twilio", headers, str(httpx.QueryParams(params)).encode()

    return prepare


def webhook(text: str) -> Prepared:
    """A generic webhook delivery, signed with Standard Webhooks now."""
    body, msg_id, now = (
        json.dumps({"sender": "bench-1", "text": text}).encode(),
        f"msg_{secrets.token_hex(8)}",
        datetime.now(UTC),
    )
    headers = {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(SECRET).sign(msg_id, now, body),
    }
    return "/channels/webhook/n8n", headers, body


def slack(text: str) -> Prepared:
    """A Slack Events API delivery (a DM from a linked user), signed with Slack's scheme now."""
    event = {"type": "message", "channel_type": "im", "channel": "DBENCH", "user": "UBENCH", "text": text}
    payload = {"type": "event_callback", "team_id": TEAM, "event": event, "event_id": f"Ev{secrets.token_hex(8)}"}
    body, timestamp = json.dumps(payload).encode(), str(int(time.time()))
    signature = SignatureVerifier(SLACK_SECRET).generate_signature(timestamp=timestamp, body=body) or ""
    headers = {"content-type": "application/json", "x-slack-request-timestamp": timestamp}
    return "/channels/slack/events", headers | {"x-slack-signature": signature}, body


def timed_slack(client: httpx.Client, prepared: list[Prepared]) -> tuple[float, float]:
    """Median milliseconds until Slack's 200 (the ack), and until the reply reached the Web API."""
    acks, delivered = [], []
    for path, headers, body in prepared:
        start = time.perf_counter()
        response = client.post(path, headers=headers, content=body)
        acks.append((time.perf_counter() - start) * 1000)
        posted.get(timeout=30)
        delivered.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            sys.exit(f"{path}: {response.status_code} {response.text[:300]}")
    return statistics.median(acks), statistics.median(delivered)


def slack_retry(text: str) -> Prepared:
    """Slack's retry of a delivery already answered: the same signed body, `X-Slack-Retry-Num: 1`."""
    return _retried[0], _retried[1] | {"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}, _retried[2]


def claim_retried(client: httpx.Client) -> None:
    """Send the event that `slack_retry` repeats once (it is claimed and answered), re-signed now."""
    global _retried
    _retried = slack(MESSAGE)
    timed_slack(client, [_retried])


_retried: Prepared = ("", {}, b"")


def timed(client: httpx.Client, prepared: list[Prepared]) -> float:
    """Median milliseconds of the prepared requests, sent one after the other."""
    latencies = []
    for path, headers, body in prepared:
        start = time.perf_counter()
        response = client.post(path, headers=headers, content=body)
        latencies.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            sys.exit(f"{path}: {response.status_code} {response.text[:300]}")
    return statistics.median(latencies)


def link(url: str, linked: list[Callable[[str], Prepared]]) -> None:
    """Link the benchmark's phone number and webhook sender to EMAIL."""
    for prepare in linked:
        code = httpx.post(f"{url}/channels/link", json={"email": EMAIL}).json()["code"]
        path, headers, body = prepare(f"link {code}")
        answer = httpx.post(url + path, headers=headers, content=body).text
        assert "Linked" in (posted.get(timeout=30) if prepare is slack else answer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    paths: dict[str, Callable[[str], Prepared]] = {
        "(a) /orchestrate": orchestrate,
        "(b) twilio sms": twilio("+447700900999"),
        "(c) webhook": webhook,
        "(d) twilio unlinked": twilio("+447700900000"),
        SLACK: slack,
        RETRY: slack_retry,
    }
    with (
        tempfile.TemporaryDirectory() as data,
        stack(Path(data)) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        link(url, [paths["(b) twilio sms"], webhook, slack])
        for label, prepare in paths.items():  # warm-up: connections, caches, lazy imports
            if label == RETRY:
                claim_retried(client)
            warm = [prepare(MESSAGE) for _ in range(20)]
            timed_slack(client, warm) if label == SLACK else timed(client, warm)
        medians: dict[str, list[float]] = {label: [] for label in [*paths, DELIVERED]}
        for number in range(1, args.rounds + 1):
            for label in list(paths) if number % 2 else list(paths)[::-1]:
                if label == RETRY:
                    claim_retried(client)
                prepared = [paths[label](MESSAGE) for _ in range(args.requests)]
                if label == SLACK:
                    ack, delivered = timed_slack(client, prepared)
                    medians[SLACK].append(ack)
                    medians[DELIVERED].append(delivered)
                else:
                    medians[label].append(timed(client, prepared))
            print(
                f"round {number}: " + "  ".join(f"{label} {m[-1]:.2f} ms" for label, m in medians.items()), flush=True
            )
    print_figures({label: statistics.median(m) for label, m in medians.items()})


def print_figures(figures: dict[str, float]) -> None:
    base = figures["(a) /orchestrate"]
    print(f"\n{'path':<22} {'median ms':>10} {'ratio':>7} {'added ms':>9}")
    for label, value in figures.items():
        print(f"{label:<22} {value:>10.2f} {value / base:>7.2f} {value - base:>9.2f}")


if __name__ == "__main__":
    main()
