"""POST /orchestrate: one message of a conversation → reply, intent, typed data and trace."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from orchestrator.api.deps import SettingsDep
from orchestrator.api.models import ErrorResponse, OrchestrateRequest, OrchestrateResponse, Span, Trace
from orchestrator.caller import Caller
from orchestrator.conversation.engine import ConversationEngine

router = APIRouter()


@router.post(
    "/orchestrate",
    response_model=OrchestrateResponse,
    responses={200: {"model": OrchestrateResponse | ErrorResponse, "description": "A reply, or an error body."}},
    summary="Continue a conversation: browse, recommend, order, track",
)
async def orchestrate(body: OrchestrateRequest, request: Request, settings: SettingsDep) -> Response:
    """Classifies the message, runs the intent's flow on the MCP services and replies.

    Orders are placed or cancelled only after an explicit "yes" to a summary; repeating that
    "yes" never places a second order. Errors answer 200 with an `error` body unless the
    orchestrator runs with `ORCH_ERRORS_AS_HTTP_STATUS=true`.
    """
    engine: ConversationEngine = request.app.state.conversations
    caller = Caller(email=str(body.user.email), tenant=settings.tenant, allowed_tools=tuple(settings.allowed_tools))
    result = await engine.turn(body.message, caller, session_id=body.session_id, channel=body.channel)
    response = OrchestrateResponse(
        reply=result.reply,
        intent=result.intent,
        confidence=result.confidence,
        data=result.data,
        suggestions=result.suggestions,
        session_id=result.session_id,
        trace=Trace(
            trace_id=result.trace_id,
            session_id=result.session_id,
            spans=[
                Span(service=c.service, tool=c.tool, latency_ms=c.latency_ms, status=c.status, cached=c.cached,
                     error=c.error)
                for c in result.calls
            ],
        ),
    )  # fmt: skip
    return Response(response.model_dump_json(), media_type="application/json")
