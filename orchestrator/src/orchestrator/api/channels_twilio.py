"""POST /channels/twilio: Twilio's messaging webhook (SMS and WhatsApp) in, TwiML out.

Twilio signs each request (`X-Twilio-Signature`, HMAC of the URL it called and the form fields) with
the account's auth token; the URL is rebuilt from `ORCH_PUBLIC_URL`, since behind Cloud Run's proxy
the request's own Host and scheme are not what Twilio called. The `To` number names the tenant
(`ORCH_TWILIO_NUMBERS`); a `MessageSid` is answered once, and its retries get the stored TwiML.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.api.channel_common import refused, replayed, replays_of, turns_of
from orchestrator.api.errors import ANSWERING_ROUTE
from orchestrator.channels.links import Sender
from orchestrator.channels.text import plain_sms, split, with_choices
from orchestrator.channels.turns import Turn
from orchestrator.settings import Settings

router = APIRouter()
TWIML = "application/xml"


@router.post(
    "/channels/twilio",
    response_class=Response,
    responses={
        200: {"content": {TWIML: {}}, "description": "TwiML: the reply as one or more messages."},
        **ANSWERING_ROUTE,
    },
    summary="Twilio messaging webhook (SMS and WhatsApp)",
)
async def twilio_message(request: Request) -> Response:
    """One SMS or WhatsApp message (`From`, `To`, `Body`, `MessageSid`), answered with TwiML."""
    settings: Settings = request.app.state.settings
    params = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
    if not _signed(settings, request, params):
        raise ServiceError(ErrorCode.FORBIDDEN, "the Twilio signature does not match")
    tenant = _tenant(settings, params.get("To", ""))
    if tenant is None:
        raise ServiceError(ErrorCode.FORBIDDEN, "this Twilio number is not configured")
    sender, sid = params.get("From", ""), params.get("MessageSid", "")
    if not sender or not sid:
        return refused(ErrorCode.INVALID_REQUEST, "From and MessageSid are required", 400)
    guard = replays_of(request)
    key = guard.key(tenant, "twilio", sid)
    claim = await guard.claim(key)
    if claim.state == "done":
        return Response(claim.reply or str(MessagingResponse()), media_type=TWIML)
    if claim.state == "busy":
        return replayed()
    channel = "whatsapp" if sender.startswith("whatsapp:") else "sms"
    try:
        turn = await turns_of(request).converse(Sender(tenant, channel, sender), params.get("Body", ""))
    except BaseException:
        await guard.release(key)
        raise
    twiml = render(turn, channel=channel, max_messages=settings.channel_sms_max_messages)
    await guard.complete(key, twiml)
    return Response(twiml, media_type=TWIML)


def render(turn: Turn, *, channel: str, max_messages: int) -> str:
    """The turn as TwiML: plain text with numbered choices, GSM-7 friendly on SMS, ≤ 1600 characters a message."""
    text = with_choices(turn.reply, turn.choices)
    if channel == "sms":
        text = plain_sms(text)
    response = MessagingResponse()
    for part in split(text, max_messages=max_messages):
        response.message(part)
    return str(response)


def _signed(settings: Settings, request: Request, params: dict[str, str]) -> bool:
    signature = request.headers.get("x-twilio-signature")
    if not signature or settings.twilio_auth_token is None or not settings.public_url:
        return False
    url = settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += f"?{request.url.query}"
    validator = RequestValidator(settings.twilio_auth_token.get_secret_value())
    return bool(validator.validate(url, params, signature))


def _tenant(settings: Settings, to: str) -> str | None:
    numbers = settings.twilio_numbers
    return numbers.get(to) or numbers.get(to.removeprefix("whatsapp:"))
