"""FastAPI dependencies shared by the routes: the engine, the settings, and the request's caller.

They are `async`: FastAPI runs a plain `def` dependency in a worker thread on every request.
The caller is resolved once per request by `Callers` (`security.identity`) from what the request
carries; each route's dependency only says where its body names the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Generic, Literal, TypeVar

from fastapi import Depends, Request

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.api.models import OrchestrateRequest, QueryRequest
from orchestrator.core.engine import Engine
from orchestrator.security.caller import Caller
from orchestrator.security.identity import Callers, Credentials
from orchestrator.settings import Settings

B = TypeVar("B")


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


@dataclass(frozen=True)
class Admitted(Generic[B]):
    """A request let in: its validated body, its caller (rate limits spent) and the engine to serve it.

    One dependency per route gives all three: FastAPI's dependency machinery costs each request per
    dependency, and the body is validated once.
    """

    body: B
    caller: Caller
    engine: Engine


async def admit_query(body: QueryRequest, request: Request) -> Admitted[QueryRequest]:
    """A `/query` request: the caller named by its credentials and the body's email."""
    return Admitted(body, await _caller(request, "query", body.email), request.app.state.engine)


async def admit_turn(body: OrchestrateRequest, request: Request) -> Admitted[OrchestrateRequest]:
    """An `/orchestrate` message: the caller named by its credentials and the body's user."""
    return Admitted(body, await _caller(request, "orchestrate", body.user.email), request.app.state.engine)


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
AdmittedQuery = Annotated[Admitted[QueryRequest], Depends(admit_query)]
AdmittedTurn = Annotated[Admitted[OrchestrateRequest], Depends(admit_turn)]
