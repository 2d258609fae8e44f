"""What the routes share: the engine dependency, and `admit`, the request's caller.

A dependency is `async`: FastAPI runs a plain `def` dependency in a worker thread on every request.
The caller is resolved once per request by `Callers` (`security.identity`) from what the request
carries; each route says where its body names the user.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Request

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.core.engine import Engine
from orchestrator.security.caller import Caller
from orchestrator.security.identity import Callers, Credentials


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def _caller(request: Request, entry: Literal["query", "orchestrate"], claimed_email: str) -> Caller:
    callers: Callers = request.app.state.callers
    caller = await callers.resolve(Credentials(entry, request.headers, claimed_email))
    if caller is None:
        raise ServiceError(ErrorCode.UNAUTHENTICATED, "the request names no user")

    await request.app.state.limits.hit(tenant=caller.tenant, user=caller.user, key_id=caller.key_id)  # rate limits
    return caller


async def admit(request: Request, entry: Literal["query", "orchestrate"], claimed_email: str) -> tuple[Caller, Engine]:
    """The request's caller (its rate limits spent) and the engine to serve it: the first call of `/query`
    and `/orchestrate`. A plain call, not a dependency: a dependency level costs each request more than it."""
    engine: Engine = request.app.state.engine
    return await _caller(request, entry, claimed_email), engine


EngineDep = Annotated[Engine, Depends(get_engine)]
