"""POST /channels/webhook/{integration}: a generic signed webhook (n8n, Make, Zapier), JSON in and out.

Requests are signed with the Standard Webhooks scheme (`webhook-id`, `webhook-timestamp`,
`webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, secret `whsec_…`) and verified by
the `standardwebhooks` library: a bad signature, or a timestamp more than 5 minutes off, is refused
(403); a `webhook-id` seen before is refused (409). With a `callback_url` (allowlisted per integration,
else 403) the request is answered 202 and the result is POSTed there later, signed the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.background import BackgroundTask

from mcp_common import tracing
from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.api.channel_common import refused, replayed, replays_of, turn_response, turns_of
from orchestrator.api.errors import ANSWERING_ROUTE
from orchestrator.api.models import ErrorResponse, OrchestrateResponse
from orchestrator.channels.callback import CallbackSender
from orchestrator.channels.config import WebhookIntegration
from orchestrator.channels.links import Sender
from orchestrator.channels.turns import ChannelTurns
from orchestrator.settings import Settings

router = APIRouter()


class WebhookMessage(BaseModel):
    """One message from a workflow."""

    sender: str = Field(min_length=1, max_length=200, description="The sender's id within the integration.")
    text: str = Field(min_length=1, max_length=2000, description="What the sender said.")
    session: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.:-]{8,128}$",
        description="A conversation to continue; default: one per sender.",
    )
    callback_url: str | None = Field(
        default=None, max_length=2000, description="Answer 202 now and POST the signed result here (allowlisted)."
    )


class Accepted(BaseModel):
    accepted: bool = True
    webhook_id: str = Field(description="The request's webhook-id; the callback carries it as `webhook-in-reply-to`.")


@router.post(
    "/channels/webhook/{integration}",
    response_model=OrchestrateResponse | ErrorResponse,
    responses={
        200: {"description": "The reply, or (in the default error mode) an error body."},
        202: {"model": Accepted, "description": "Accepted: the result is POSTed to `callback_url`."},
        **ANSWERING_ROUTE,
    },
    summary="Generic signed webhook (Standard Webhooks): one conversation message",
)
async def webhook_message(integration: str, request: Request) -> Response:
    """Verifies the signature, refuses replays, and answers the message as `/orchestrate` would."""
    settings: Settings = request.app.state.settings
    config = settings.webhook_integrations.get(integration)
    if config is None:
        return refused(ErrorCode.NOT_FOUND, "no such webhook integration", 404)
    body = await request.body()
    try:
        Webhook(config.secret.get_secret_value()).verify(body, dict(request.headers), json_parse=False)
    except WebhookVerificationError as exc:
        raise ServiceError(ErrorCode.FORBIDDEN, f"webhook signature refused: {exc}") from None
    webhook_id = request.headers["webhook-id"]
    guard = replays_of(request)
    key = guard.key(config.tenant, f"webhook:{integration}", webhook_id)
    if (await guard.claim(key)).state != "new":
        return replayed()
    try:
        response = await _answer(request, config, integration, webhook_id, body)
    except BaseException:
        await guard.release(key)  # nothing was done: the sender may retry with the same webhook-id
        raise
    await guard.complete(key)
    return response


async def _answer(
    request: Request, config: WebhookIntegration, integration: str, webhook_id: str, body: bytes
) -> Response:
    try:
        message = WebhookMessage.model_validate_json(body)
    except ValidationError as exc:
        raise ServiceError(ErrorCode.INVALID_REQUEST, f"body: {_problems(exc)}") from None
    sender = Sender(config.tenant, f"webhook:{integration}", message.sender)
    turns = turns_of(request)
    if message.callback_url is not None:
        if not config.allows_callback(message.callback_url):
            raise ServiceError(ErrorCode.FORBIDDEN, "callback_url is not in this integration's allowlist")
        callbacks: CallbackSender = request.app.state.channel_callbacks
        later = BackgroundTask(_answer_later, turns, callbacks, sender, message, config, webhook_id)
        return JSONResponse(Accepted(webhook_id=webhook_id).model_dump(), status_code=202, background=later)
    turn = await turns.converse(sender, message.text, what="sender", session=message.session)
    return Response(turn_response(turn).model_dump_json(), media_type="application/json")


async def _answer_later(
    turns: ChannelTurns,
    callbacks: CallbackSender,
    sender: Sender,
    message: WebhookMessage,
    config: WebhookIntegration,
    webhook_id: str,
) -> None:
    """Run the turn after the 202 and POST its body (or the error envelope) to the callback."""
    try:
        turn = await turns.converse(sender, message.text, what="sender", session=message.session)
        payload = turn_response(turn).model_dump_json()
    except ServiceError as exc:
        ctx = tracing.current()
        trace_id = ctx.trace_id if ctx else tracing.new_trace_id()
        payload = ErrorResponse(error=exc.to_body(), trace_id=trace_id, timestamp=datetime.now(UTC)).model_dump_json()
    assert message.callback_url is not None
    await callbacks.deliver(message.callback_url, payload.encode(), config.secret, in_reply_to=webhook_id)


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())
