"""`GET /health/live` and `GET /health/ready` for any app: the orchestrator's and every service's.

```python
app.include_router(probe_routes(lambda request: readiness))   # added last: other routes are matched first
```

- `/health/live`: 200 `{"status": "ok"}` as soon as the process answers; no I/O, nothing checked.
- `/health/ready`: the `Readiness` report (`mcp_common.readiness`), every check with its status and reason:
  200 `Ready`, or 503 `NotReady`, which is the error envelope every HTTP app answers errors with
  (`SERVICE_UNAVAILABLE`, retryable, naming the failed checks) plus the checks.

```json
{"error": {"code": "SERVICE_UNAVAILABLE", "message": "not ready: database", "retryable": true},
 "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "timestamp": "2026-01-01T12:00:00Z", "status": "not_ready",
 "checks": {"database": {"status": "failed", "reason": "the database failed the check (OperationalError)",
                         "latency_ms": 3.1}}}
```

Neither route adds anything to other requests: no middleware, no dependency, plain routes at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from mcp_common import tracing
from mcp_common.errors import ErrorCode, ErrorEnvelope, ServiceError
from mcp_common.readiness import Readiness, Report

LIVE_PATH = "/health/live"
READY_PATH = "/health/ready"


class Liveness(BaseModel):
    """`GET /health/live`: the process answers. It checks nothing else."""

    status: Literal["ok"] = "ok"


class CheckStatus(BaseModel):
    status: Literal["ok", "failed"]
    reason: str | None = Field(default=None, description="Why it failed, or a short detail; never a secret.")
    latency_ms: float = Field(description="How long the check took in the round reported.")


class Ready(BaseModel):
    """`GET /health/ready` 200: every check holds."""

    status: Literal["ready"] = "ready"
    checks: dict[str, CheckStatus] = Field(description="Every check of the process by name.")


class NotReady(ErrorEnvelope):
    """`GET /health/ready` 503: the error envelope (`SERVICE_UNAVAILABLE`, retryable, naming the failed checks)
    with every check."""

    status: Literal["not_ready"] = "not_ready"
    checks: dict[str, CheckStatus] = Field(description="Every check of the process by name.")


_LIVE = Liveness().model_dump_json().encode()


def probe_routes(readiness_of: Callable[[Request], Readiness]) -> APIRouter:
    """The two probe routes; `readiness_of(request)` names the app's `Readiness` (it may be set by the lifespan)."""
    router = APIRouter(tags=["probes"])

    @router.get(LIVE_PATH, response_model=Liveness, summary="Liveness: the process answers (no I/O)")
    async def live() -> Response:
        return Response(_LIVE, media_type="application/json")

    @router.get(
        READY_PATH,
        response_model=Ready,
        responses={503: {"model": NotReady, "description": "Not ready: the failed checks are named."}},
        summary="Readiness: what the process needs answers (checks bounded and cached for a moment)",
    )
    async def ready(request: Request) -> Response:
        report = await readiness_of(request).report()
        body = readiness_body(report).model_dump_json(exclude_none=True)
        return Response(body, status_code=200 if report.ready else 503, media_type="application/json")

    return router


def readiness_body(report: Report) -> Ready | NotReady:
    """What `/health/ready` answers for `report`, in the current request's trace."""
    checks = {
        r.name: CheckStatus(status="ok" if r.ok else "failed", reason=r.detail, latency_ms=r.latency_ms)
        for r in report.checks
    }
    if report.ready:
        return Ready(checks=checks)
    error = ServiceError(ErrorCode.SERVICE_UNAVAILABLE, "not ready: " + ", ".join(report.failed))
    ctx = tracing.current()
    trace_id = ctx.trace_id if ctx else tracing.new_trace_id()
    return NotReady(error=error.to_body(), trace_id=trace_id, timestamp=datetime.now(UTC), checks=checks)
