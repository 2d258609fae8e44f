"""GET /metrics: the orchestrator's Prometheus metrics, for whom `ORCH_METRICS` lets see them.

`on`: whoever reaches the orchestrator; `operators`: requests authenticated as one of `ORCH_OPERATORS`
(an ID token or an API key, as `/health`'s topology), others get 404; `off`: neither the route nor
any recording; `auto` (default): `on` in development, `operators` in production.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from mcp_common.metrics import metrics_response
from mcp_common.middleware import TelemetryMiddleware
from orchestrator.api.health import _operator
from orchestrator.llm.base import LLM
from orchestrator.llm.resilient import ResilientLLM
from orchestrator.observability.metrics import OrchestratorMetrics
from orchestrator.resilience.guard import SourceGuards
from orchestrator.settings import Settings
from orchestrator.state.cache import TieredCache


def access(settings: Settings) -> str:
    """`on`, `operators` or `off`, once `auto` is resolved by the mode."""
    if settings.metrics == "auto":
        return "on" if settings.mode == "development" else "operators"
    return settings.metrics


def install(app: FastAPI, settings: Settings) -> None:
    """The telemetry middleware (outermost of the app's own: it times everything), with metrics and
    their route unless metrics are off."""
    mode = access(settings)
    app.state.metrics = None
    if mode == "off":
        app.add_middleware(TelemetryMiddleware, service="orchestrator")
        return
    tenants = {settings.tenant, *settings.tenants}
    metrics = OrchestratorMetrics(tenants=tenants, session_ttl_s=settings.session_ttl_s)
    app.state.metrics = metrics
    app.add_middleware(TelemetryMiddleware, service="orchestrator", metrics=metrics)

    @app.get("/metrics", include_in_schema=False)
    async def scrape(request: Request) -> Response:
        if mode == "operators" and not await _operator(request, settings):
            return Response(status_code=404)
        return metrics_response(metrics)


def bind(app: FastAPI, cache: TieredCache, llm: LLM | None, guards: SourceGuards | None = None) -> None:
    """Let the scrape read the breakers, the sources' guards and the cache counters of the running app."""
    metrics: OrchestratorMetrics | None = app.state.metrics
    if metrics is None:
        return
    metrics.state.sources = guards
    metrics.state.cache_stats = cache.stats
    metrics.state.breakers = {"l1": cache.l1_breaker}
    if isinstance(llm, ResilientLLM):
        metrics.state.breakers["model"] = llm.breaker
