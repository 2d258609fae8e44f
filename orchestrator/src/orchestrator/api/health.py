"""GET /health: the orchestrator and every service it depends on; GET /health/live and /health/ready: the probes.

- `/health` (as before): always 200 once the app serves; `ok` or `degraded` with the topology, breakers, model
  and cache. It calls every service (2 s each), so it is a dashboard, not a probe.
- `/health/live`: 200 while the process answers; no I/O.
- `/health/ready`: 200 while the orchestrator can answer, else 503 naming what failed (`mcp_common.readiness`):
  - `state_store`: the shared store (sqlite, memory, redis, firestore) answers a read within 1 s;
  - `catalog`: the catalog lists at least one tool (passes with no tool source configured);
  - `tool_sources`: at least one source answers its health check within 1 s (the first answer ends the
    check). Sources may be down while it is ready: the orchestrator answers with what is up, and says
    what is missing.
  Check names and reasons never name a service or a host (the route is as public as `/health`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Literal

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel, Field

from mcp_common.errors import ServiceError
from mcp_common.readiness import Check, ProbeError, Readiness
from mcp_common.readiness_routes import probe_routes
from mcp_common.tracing import elapsed_ms
from orchestrator import __version__
from orchestrator.api.deps import EngineDep
from orchestrator.api.errors import ANY_ROUTE
from orchestrator.llm.factory import breaker_state
from orchestrator.security.identity import Callers, Credentials
from orchestrator.settings import Settings
from orchestrator.state.base import KVStore
from orchestrator.state.cache import TieredCache
from orchestrator.tools.catalog import Catalog
from orchestrator.tools.source import ToolSource

router = APIRouter()
probes = probe_routes(lambda request: request.app.state.readiness)
"""`/health/live` and `/health/ready`, included after every other route; `bind` gives them the running app's checks."""
_READY_KEY = "health:ready"


class ServiceHealth(BaseModel):
    status: Literal["ok", "down"]
    latency_ms: float | None = None
    tools: int
    error: str | None = None


class ModelHealth(BaseModel):
    model: str = Field(description="`rules` when no model is configured, else `vertex:<model>` or `openai:<model>`.")
    circuit: Literal["closed", "open", "half_open", "n/a"] = Field(
        description="`open` while the model is failing and the rules answer instead."
    )


class CacheHealth(BaseModel):
    backend: str = Field(description="The shared (L1) store: `sqlite`, `memory`, `redis` or `firestore`.")
    l1: Literal["closed", "open", "half_open"] = Field(
        description="`open` while the shared store is skipped after repeated failures (answers come from memory "
        "and live calls)."
    )
    counters: dict[str, int] = Field(
        description="Since start: memory_hits, shared_hits, misses, l1_errors, l1_skipped, invalidations."
    )


class BreakerHealth(BaseModel):
    circuit: Literal["closed", "open", "half_open"] = Field(
        description="`open`: calls to the source fail at once (`circuit open`) after repeated timeouts or "
        "unavailability; `half_open`: the cooldown has passed and the next call is a trial."
    )
    opens: int = Field(description="Times the circuit opened since start.")
    in_flight: int = Field(description="Calls to the source in flight now.")
    max_concurrency: int = Field(description="The bulkhead: calls in flight at most (ORCH_SOURCE_MAX_CONCURRENCY).")
    rejected: int = Field(description="Calls refused since start without reaching the source.")


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    mode: Literal["development", "production"] = Field(
        description="`development`: requests name their user without authentication (loopback only)."
    )
    catalog_version: str | None = None
    tools: int | None = None
    services: dict[str, ServiceHealth] | None = Field(
        default=None, description="The topology: in production only for the operators (ORCH_OPERATORS)."
    )
    llm: ModelHealth | None = None
    cache: CacheHealth | None = None
    breakers: dict[str, BreakerHealth] | None = Field(
        default=None, description="Each source's circuit breaker and bulkhead on this instance (per worker)."
    )


@router.get(
    "/health", response_model=Health, responses=ANY_ROUTE, summary="Health of the orchestrator and its services"
)
async def health(engine: EngineDep, request: Request) -> Health:
    """`ok` when every service answers its own health check and no circuit (the model's, the shared cache's,
    a source's) is open, else `degraded` (still HTTP 200: the orchestrator keeps answering with what is up)."""
    catalog = engine.catalog
    names = list(catalog.sources)
    checks = await asyncio.gather(*(_check(catalog.sources[n], catalog.status[n].tools) for n in names))
    services = dict(zip(names, checks, strict=True))
    llm = request.app.state.llm
    model = ModelHealth(model=llm.name if llm else "rules", circuit=breaker_state(llm))
    cache: TieredCache = request.app.state.cache
    cache_health = CacheHealth(
        backend=request.app.state.settings.state_backend, l1=cache.l1_state, counters=cache.stats.as_dict()
    )
    guards = engine.executor.guards
    breakers = {n: BreakerHealth(**dataclasses.asdict(guards.get(n).state())) for n in names}
    healthy = (
        all(s.status == "ok" for s in services.values())
        and model.circuit != "open"
        and cache.l1_state == "closed"
        and all(b.circuit != "open" for b in breakers.values())
    )
    settings: Settings = request.app.state.settings
    status: Literal["ok", "degraded"] = "ok" if healthy else "degraded"
    if settings.mode == "production" and not await _operator(request, settings):
        return Health(status=status, version=__version__, mode=settings.mode)
    return Health(
        status=status,
        version=__version__,
        mode=settings.mode,
        catalog_version=catalog.version,
        tools=len(catalog.tools()),
        services=services,
        llm=model,
        cache=cache_health,
        breakers=breakers,
    )


async def _operator(request: Request, settings: Settings) -> bool:
    """Whether the request is authenticated as one of the operators (any failure: no)."""
    if "authorization" not in request.headers:
        return False
    callers: Callers = request.app.state.callers
    try:
        caller = await callers.resolve(Credentials("query", request.headers, None))
    except ServiceError:
        return False
    return caller is not None and caller.user in {str(email).lower() for email in settings.operators}


async def _check(source: ToolSource, tools: int) -> ServiceHealth:
    start = time.perf_counter()
    try:
        async with asyncio.timeout(2.0):
            await source.health()
    except (ServiceError, TimeoutError) as exc:
        return ServiceHealth(status="down", tools=tools, error=str(exc) or "timeout")
    return ServiceHealth(status="ok", latency_ms=elapsed_ms(start), tools=tools)


def bind(app: FastAPI, store: KVStore, catalog: Catalog) -> None:
    """The readiness checks of the running app (see the module docstring)."""
    app.state.readiness = Readiness(
        [
            Check("state_store", lambda: _store_answers(store)),
            Check("catalog", lambda: _catalog_lists_tools(catalog)),
            Check("tool_sources", lambda: _a_source_answers(catalog)),
        ]
    )


async def _store_answers(store: KVStore) -> str | None:
    await store.get(_READY_KEY)  # any answer, found or not, is the store answering
    return None


async def _catalog_lists_tools(catalog: Catalog) -> str | None:
    if not catalog.sources:
        return "no tool source configured"
    tools = len(catalog.tools())
    if tools == 0:
        raise ProbeError(f"no tool listed by any of the {len(catalog.sources)} sources")
    return f"{tools} tools"


async def _a_source_answers(catalog: Catalog) -> str | None:
    """Passes on the first source to answer its health check; the others are then cancelled."""
    sources = list(catalog.sources.values())
    if not sources:
        return "no tool source configured"
    pending = {asyncio.ensure_future(source.health()) for source in sources}
    try:
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            answered = [task for task in done if not task.cancelled() and task.exception() is None]
            if answered:
                return f"a source answered ({len(sources)} configured)"
    finally:
        for task in pending:
            task.cancel()
    raise ProbeError(f"none of the {len(sources)} tool sources answered")
