"""POST /orchestrate: one message of a conversation → reply, intent, typed data and trace."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from orchestrator.api.deps import admit
from orchestrator.api.errors import ANSWERING_ROUTE
from orchestrator.api.models import ErrorResponse, OrchestrateRequest, OrchestrateResponse, Span, Trace
from orchestrator.core.requests import Message
from orchestrator.core.results import Answer

router = APIRouter()


@router.post(
    "/orchestrate",
    response_model=OrchestrateResponse | ErrorResponse,
    responses={200: {"description": "A reply, or (in the default error mode) an error body."}, **ANSWERING_ROUTE},
    summary="Continue a conversation: browse, recommend, order, track",
)
async def orchestrate(body: OrchestrateRequest, request: Request) -> Response:
    """Classifies the message, runs the intent's flow on the MCP services and replies.

    Orders are placed or cancelled only after an explicit "yes" to a summary; repeating that
    "yes" never places a second order. Errors answer 200 with an `error` body unless the
    orchestrator runs with `ORCH_ERRORS_AS_HTTP_STATUS=true`.
    """
    caller, engine = await admit(request, "orchestrate", body.user.email)
    answer = await engine.handle(Message(body.message, body.channel, body.session_id), caller)
    return Response(orchestrate_response(answer).model_dump_json(), media_type="application/json")


def orchestrate_response(answer: Answer) -> OrchestrateResponse:
    """The `/orchestrate` body of a turn's answer (channel adapters answer with it too)."""
    session_id = answer.session_id or ""
    spans = [Span.model_validate(source, from_attributes=True) for source in answer.sources]
    return OrchestrateResponse(
        reply=answer.answer,
        intent=answer.intent or "",
        confidence=answer.confidence,
        data=answer.data,
        suggestions=answer.suggestions,
        session_id=session_id,
        trace=Trace(
            trace_id=answer.trace_id,
            session_id=session_id,
            spans=spans,
            intent_source=answer.intent_source,
            llm_calls=answer.trace.llm_calls if answer.trace is not None else [],
            budget=answer.trace.budget if answer.trace is not None else None,
        ),
    )
