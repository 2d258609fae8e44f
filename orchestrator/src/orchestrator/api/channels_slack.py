"""POST /channels/slack/{events,commands,interactions}: a Slack app's Events API, slash command and buttons.

Slack signs every request (`X-Slack-Signature: v0=<HMAC-SHA256 of "v0:{timestamp}:{body}">` with the app's
signing secret, `X-Slack-Request-Timestamp`); `slack_sdk`'s `SignatureVerifier` checks it and refuses a
timestamp more than 5 minutes off (403). The workspace (`team_id`) names the tenant (`ORCH_SLACK_TEAMS`,
else 403). Slack wants an answer within 3 s, so each request is claimed (its `event_id`, or the
`trigger_id` of a command or button press), acknowledged with an empty 200, and the turn runs after the
response; the reply goes out through the Web API (`chat.postMessage`) or the request's `response_url`.
A retry (`X-Slack-Retry-Num`) or a replay of a claimed id is acknowledged and does nothing more. Messages
from bots (`bot_id`, any `subtype`) are ignored, so the bot never answers itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from slack_sdk.signature import SignatureVerifier
from starlette.background import BackgroundTask

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.api.channel_common import refused, replays_of, turns_of
from orchestrator.api.errors import ANSWERING_ROUTE
from orchestrator.channels.links import Sender
from orchestrator.channels.replay import ReplayGuard
from orchestrator.channels.slack_blocks import blocks, fallback, pressed
from orchestrator.channels.slack_out import Reply, SlackOut
from orchestrator.channels.turns import ChannelTurns, Turn
from orchestrator.settings import Settings

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/channels/slack")
WHAT = "Slack user"
SORRY = "Sorry, that did not work: {reason}"


@dataclass(frozen=True)
class Where:
    """Where a reply goes: a conversation (`chat.postMessage`) or else the request's `response_url`."""

    channel: str | None = None
    response_url: str | None = None


@dataclass
class SlackChannel:
    """The Slack channel's running parts: the outbound client, and one lock per sender so one user's
    messages are answered in order."""

    out: SlackOut
    _locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(default_factory=weakref.WeakValueDictionary)

    def lock(self, sender: Sender) -> asyncio.Lock:
        key = f"{sender.tenant}\x1f{sender.address}"
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock


@router.post(
    "/events",
    responses=ANSWERING_ROUTE,
    summary="Slack Events API: direct messages to the app, and the url_verification challenge",
)
async def slack_events(request: Request) -> Response:
    """A `message` in the app's DM (or Slack's `url_verification` challenge), acknowledged at once."""
    body = await request.body()
    if (refusal := _unsigned(request, body)) is not None:
        return refusal
    payload = _json(body)
    if payload is None:
        return refused(ErrorCode.INVALID_REQUEST, "the body is not a JSON object", 400)
    if payload.get("type") == "url_verification":
        return JSONResponse({"challenge": str(payload.get("challenge", ""))})
    team = str(payload.get("team_id", ""))
    tenant = _settings(request).slack_teams.get(team)
    if tenant is None:
        return _unknown_team()
    event = payload.get("event")
    if payload.get("type") != "event_callback" or not isinstance(event, dict) or not _from_a_person(event):
        return _ack()
    event_id = payload.get("event_id")
    if not isinstance(event_id, str) or not event_id:
        return refused(ErrorCode.INVALID_REQUEST, "event_id is required", 400)
    sender = Sender(tenant, "slack", f"{team}:{event['user']}")
    return await _accept(request, f"event:{event_id}", sender, event["text"], Where(channel=str(event["channel"])))


@router.post(
    "/commands",
    responses=ANSWERING_ROUTE,
    summary="Slack slash command (`/food show me desserts`, `/food link <code>`)",
)
async def slack_command(request: Request) -> Response:
    """The command's text is one message; the reply goes to the command's `response_url`."""
    body = await request.body()
    if (refusal := _unsigned(request, body)) is not None:
        return refusal
    form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    team = form.get("team_id", "")
    tenant = _settings(request).slack_teams.get(team)
    if tenant is None:
        return _unknown_team()
    user, trigger, response_url = form.get("user_id"), form.get("trigger_id"), form.get("response_url")
    if not user or not trigger or not response_url:
        return refused(ErrorCode.INVALID_REQUEST, "user_id, trigger_id and response_url are required", 400)
    sender = Sender(tenant, "slack", f"{team}:{user}")
    return await _accept(request, f"command:{trigger}", sender, form.get("text", ""), Where(response_url=response_url))


@router.post(
    "/interactions", responses=ANSWERING_ROUTE, summary="Slack interactivity: a press of one of the reply's buttons"
)
async def slack_interaction(request: Request) -> Response:
    """A `block_actions` payload: the pressed button's message ("yes", "add the 2nd one") is the next turn."""
    body = await request.body()
    if (refusal := _unsigned(request, body)) is not None:
        return refusal
    payload = _json(dict(parse_qsl(body.decode("utf-8", "replace"))).get("payload", "").encode())
    if payload is None:
        return refused(ErrorCode.INVALID_REQUEST, "payload must be a JSON object", 400)
    user = _obj(payload.get("user"))
    team = str(_obj(payload.get("team")).get("id") or user.get("team_id") or "")
    tenant = _settings(request).slack_teams.get(team)
    if tenant is None:
        return _unknown_team()
    actions = payload.get("actions")
    action = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
    text = pressed(action)
    if payload.get("type") != "block_actions" or text is None or not user.get("id"):
        return _ack()
    delivery = f"action:{payload.get('trigger_id') or ''}:{action.get('action_ts') or ''}"
    return await _accept(request, delivery, Sender(tenant, "slack", f"{team}:{user['id']}"), text, _where(payload))


async def _accept(request: Request, delivery: str, sender: Sender, text: str, where: Where) -> Response:
    """Claim the delivery, acknowledge it, and answer after the response; a claimed one is only acknowledged."""
    guard = replays_of(request)
    key = guard.key(sender.tenant, "slack", delivery)
    if (await guard.claim(key)).state != "new":
        return _ack()
    slack: SlackChannel = request.app.state.slack
    return _ack(BackgroundTask(_answer, turns_of(request), slack, guard, key, sender, text, where))


async def _answer(
    turns: ChannelTurns, slack: SlackChannel, guard: ReplayGuard, key: str, sender: Sender, text: str, where: Where
) -> None:
    """Run the turn (one at a time per sender) and send its reply; a failed turn releases the claim."""
    try:
        async with slack.lock(sender):
            turn = await turns.converse(sender, text, what=WHAT)
    except ServiceError as exc:
        await guard.release(key)
        turn = Turn(SORRY.format(reason=exc.message))
    except Exception:
        logger.exception("slack turn failed", extra={"event_type": "channel_slack_turn_failed"})
        await guard.release(key)
        turn = Turn(SORRY.format(reason="please try again in a moment."))
    else:
        await guard.complete(key)
    reply = Reply(fallback(turn), blocks(turn))
    if where.channel is not None:
        await slack.out.post(where.channel, reply)
    elif where.response_url is not None:
        await slack.out.respond(where.response_url, reply)


def _unsigned(request: Request, body: bytes) -> JSONResponse | None:
    """403 unless Slack's signature over `body` checks out and its timestamp is within 5 minutes."""
    secret = _settings(request).slack_signing_secret
    timestamp = request.headers.get("x-slack-request-timestamp")
    signature = request.headers.get("x-slack-signature")
    try:
        valid = secret is not None and SignatureVerifier(secret.get_secret_value()).is_valid(body, timestamp, signature)
    except ValueError:  # a timestamp that is not a number
        valid = False
    if valid:
        return None
    return refused(ErrorCode.FORBIDDEN, "the Slack signature does not match or is too old", 403)


def _from_a_person(event: dict[str, Any]) -> bool:
    """A person's plain message in a DM with the app: not a bot's, not an edit, join or other subtype."""
    return (
        event.get("type") == "message"
        and event.get("channel_type") == "im"
        and "bot_id" not in event
        and "subtype" not in event
        and isinstance(event.get("user"), str)
        and isinstance(event.get("text"), str)
        and isinstance(event.get("channel"), str)
    )


def _where(payload: dict[str, Any]) -> Where:
    """A button in a message of the app's DM answers there; one in an ephemeral message (a slash command's
    reply) answers through the payload's `response_url`."""
    container, channel = _obj(payload.get("container")), _obj(payload.get("channel"))
    response_url = payload.get("response_url")
    url = response_url if isinstance(response_url, str) else None
    if container.get("is_ephemeral") or not channel.get("id"):
        return Where(response_url=url)
    return Where(channel=str(channel["id"]), response_url=url)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _json(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _ack(background: BackgroundTask | None = None) -> Response:
    return Response(status_code=200, background=background)


def _unknown_team() -> JSONResponse:
    return refused(ErrorCode.FORBIDDEN, "this Slack workspace is not configured", 403)
