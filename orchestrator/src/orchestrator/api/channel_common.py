"""What the channel routes share: their state on the app, refusals, and the JSON body of a turn."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from mcp_common import tracing
from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.api.errors import error_response
from orchestrator.api.models import OrchestrateResponse, Trace
from orchestrator.api.orchestrate import orchestrate_response
from orchestrator.channels.replay import ReplayGuard
from orchestrator.channels.turns import ChannelTurns, Turn


def turns_of(request: Request) -> ChannelTurns:
    turns: ChannelTurns = request.app.state.channel_turns
    return turns


def replays_of(request: Request) -> ReplayGuard:
    guard: ReplayGuard = request.app.state.channel_replays
    return guard


def refused(code: ErrorCode, message: str, status: int) -> JSONResponse:
    """The project's error envelope with this status, whatever `ORCH_ERRORS_AS_HTTP_STATUS` says."""
    return error_response(ServiceError(code, message), as_http_status=True, status=status)


def replayed() -> JSONResponse:
    return refused(ErrorCode.CONFLICT, "this delivery was already received", 409)


def turn_response(turn: Turn) -> OrchestrateResponse:
    """A turn as `/orchestrate` would answer it; a link prompt carries no data."""
    if turn.answer is not None:
        return orchestrate_response(turn.answer)
    ctx = tracing.current()
    trace_id = ctx.trace_id if ctx else tracing.new_trace_id()
    return OrchestrateResponse(
        reply=turn.reply,
        intent=turn.intent,
        confidence=1.0,
        data=None,
        suggestions=[],
        session_id="",
        trace=Trace(trace_id=trace_id, session_id="", spans=[]),
    )
