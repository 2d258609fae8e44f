"""FastAPI dependencies shared by the routes: the engine, the settings, and the request's caller.

They are `async`: FastAPI runs a plain `def` dependency in a worker thread on every request.
The caller is resolved once per request by `Callers` (`security.identity`) from what the request
carries; each route's dependency only says where its body names the user.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Request

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.api.models import OrchestrateRequest, QueryRequest
from orchestrator.core.engine import Engine
from orchestrator.security.caller import Caller
from orchestrator.security.identity import Callers, Credentials
from orchestrator.settings import Settings


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _caller(request: Request, entry: Literal["query", "orchestrate"], claimed_email: str) -> Caller:
    callers: Callers = request.app.state.callers
    caller = await callers.resolve(Credentials(entry, request.headers, claimed_email))
    if caller is None:
        raise ServiceError(ErrorCode.UNAUTHENTICATED, "the request names no user")

    await request.app.state.limits.hit(tenant=caller.tenant, user=caller.user, key_id=caller.key_id)  # rate limits
    return caller


async def query_body(body: QueryRequest) -> QueryRequest:
    """The `/query` body, parsed and validated once per request (FastAPI caches a dependency's result)."""
    return body


async def turn_body(body: OrchestrateRequest) -> OrchestrateRequest:
    """The `/orchestrate` body, parsed and validated once per request."""
    return body


QueryBodyDep = Annotated[QueryRequest, Depends(query_body)]
TurnBodyDep = Annotated[OrchestrateRequest, Depends(turn_body)]


async def query_caller(body: QueryBodyDep, request: Request) -> Caller:
    """The caller of a `/query` request."""
    return await _caller(request, "query", str(body.email))


async def turn_caller(body: TurnBodyDep, request: Request) -> Caller:
    """The caller of an `/orchestrate` message."""
    return await _caller(request, "orchestrate", str(body.user.email))


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
QueryCallerDep = Annotated[Caller, Depends(query_caller)]
TurnCallerDep = Annotated[Caller, Depends(turn_caller)]
