"""`create_service_app`: one FastAPI app serving a registry on `/mcp/tools`, `/mcp/call` and `/mcp`."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from fastapi import FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, SecretStr

from mcp_common import caller_auth, heap, tracing
from mcp_common.assertions import HEADER, AssertionVerifier, Keyring
from mcp_common.body_cap import BodyCap
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.http_errors import error_responses, install_error_handlers
from mcp_common.logs import redact
from mcp_common.mcp_lazy import LazyMcp
from mcp_common.metrics import Metrics, metrics_route
from mcp_common.middleware import NATIVE_TELEMETRY_OFF, TelemetryMiddleware
from mcp_common.readiness import Check, Readiness
from mcp_common.readiness_routes import probe_routes
from mcp_common.registry import ToolRegistry
from mcp_common.wire import SERVER_TIMING, CallContext, CallRequest, CallResponse, ToolListing, server_timing

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

logger = logging.getLogger("mcp_common.service")

Lifespan = Callable[[], AbstractAsyncContextManager[None]]
T = TypeVar("T")


class Running(Generic[T]):
    """What a service's tools work on, set by its lifespan while the app runs; calling it at any other
    time is `SERVICE_UNAVAILABLE` ("the <name> service is not running")."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.service: T | None = None

    def __call__(self) -> T:
        if self.service is None:
            raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, f"the {self.name} service is not running")
        return self.service


class ServiceConfig(BaseModel):
    """What the app factory needs to know; built by each service's entrypoint from its settings."""

    allowed_hosts: list[str] = Field(
        default_factory=lambda: ["127.0.0.1:*", "localhost:*", "[::1]:*"],
        description="Host headers accepted on /mcp (`host:port`, `host:*`, or `*` for any).",
    )
    log_payloads: bool = Field(default=True, description="Log tool arguments and results (redacted).")
    caller_keys: dict[str, SecretStr] = Field(
        default_factory=dict, description="Keys of caller assertions (kid → secret); empty: callers are believed."
    )
    caller_key_id: str | None = Field(default=None, description="The kid this service signs its own calls with.")
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest request body read; a larger one is answered 413 with the error envelope.",
    )

    def caller_verifier(self, service: str) -> AssertionVerifier | None:
        """The verifier of assertions addressed to `service`, or None without caller keys (development)."""
        keyring = Keyring.from_secrets(self.caller_keys, self.caller_key_id)
        return AssertionVerifier(keyring, audience=service) if keyring else None


class Health(BaseModel):
    """`GET /health`: always `ok` once the app serves, with what it serves (clients read it as before). The
    probes are `/health/live` (the process answers) and `/health/ready` (what it needs answers)."""

    status: str
    service: str
    version: str
    tools: int


def create_service_app(
    registry: ToolRegistry,
    config: ServiceConfig | None = None,
    *,
    lifespan: Lifespan | None = None,
    readiness_checks: Sequence[Check] = (),
) -> FastAPI:
    """A FastAPI app serving `registry`; `lifespan` opens and closes the service's backend.

    `readiness_checks` (its database, vendor, the services it calls) make `GET /health/ready`
    (`mcp_common.readiness`); `GET /health/live` checks nothing.
    """
    config = config or ServiceConfig()
    mcp = LazyMcp(lambda: _build_mcp_server(registry), config.allowed_hosts)  # built on the first /mcp request

    @asynccontextmanager
    async def app_lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with _maybe(lifespan), mcp.running():
            heap.settle()
            yield

    routes = mcp.routes()
    app = FastAPI(
        title=f"{registry.service} MCP service",
        version=registry.version,
        lifespan=app_lifespan,
        telemetry=NATIVE_TELEMETRY_OFF,
        responses=error_responses(413, 500),  # any route: a body over the cap, a crash
    )
    install_error_handlers(app, crash_message=f"the {registry.service} service failed unexpectedly")
    app.router.routes.extend(routes)
    verifier = config.caller_verifier(registry.service)
    if verifier is not None:  # the MCP endpoint names no caller: it needs an assertion as its credential
        app.add_middleware(caller_auth.McpCallerMiddleware, verifier=verifier)
    app.add_middleware(BodyCap, max_bytes=config.max_body_bytes)
    app.state.metrics = metrics = Metrics(registry.service)  # GET /metrics: RED per route
    app.add_middleware(TelemetryMiddleware, service=registry.service, metrics=metrics)
    app.router.routes.append(metrics_route(metrics))
    _add_routes(app, registry, config, verifier)
    app.state.readiness = readiness = Readiness(readiness_checks)
    app.include_router(probe_routes(lambda _: readiness))  # last: the busier routes are matched first
    return app


def _build_mcp_server(registry: ToolRegistry) -> MCPServer[Any]:
    from mcp_common.mcp_server import build_mcp_server  # the MCP SDK: imported once /mcp is first called

    return build_mcp_server(registry)


def _add_routes(
    app: FastAPI, registry: ToolRegistry, config: ServiceConfig, verifier: AssertionVerifier | None
) -> None:
    listing = ToolListing(service=registry.service, version=registry.version, tools=[spec.info() for spec in registry])

    @app.get("/health", response_model=Health)
    async def health() -> Health:
        return Health(status="ok", service=registry.service, version=registry.version, tools=len(listing.tools))

    @app.get("/mcp/tools", response_model=ToolListing)
    async def list_tools() -> ToolListing:
        return listing

    @app.post(
        "/mcp/call", response_model=CallResponse, response_model_exclude_none=True, responses=error_responses(400)
    )
    async def call_tool(request: CallRequest, http: Request) -> Response:
        start = time.perf_counter()
        assertion = http.headers.get(HEADER)
        reply = await _call(registry, request, log_payloads=config.log_payloads, verifier=verifier, assertion=assertion)
        # Serialised once here: the reply is already validated, FastAPI need not validate it again.
        body = reply.model_dump_json(exclude_none=True)
        # The service's own time for the call, so a caller can tell it from the network and its own time.
        timing = {SERVER_TIMING: server_timing(tracing.elapsed_ms(start))}
        return Response(body, media_type="application/json", headers=timing)


async def _call(
    registry: ToolRegistry,
    request: CallRequest,
    *,
    log_payloads: bool,
    verifier: AssertionVerifier | None = None,
    assertion: str | None = None,
) -> CallResponse:
    start = time.perf_counter()
    ctx = _context(request.context)
    # The tool sees the trace it runs in, as it does on /mcp, even when only headers carried it.
    call_ctx = request.context.model_copy(
        update={"trace_id": ctx.trace_id, "span_id": ctx.parent_span_id, "session_id": ctx.session_id}
    )
    result: dict[str, Any] | None = None
    error = None
    with tracing.use(ctx), tracing.span("tool_call", tool=request.tool) as sp:
        try:
            call_ctx = caller_auth.verified_context(verifier, registry.get(request.tool), call_ctx, assertion)
            output = await registry.call(request.tool, request.arguments, call_ctx)
            result = output.model_dump(mode="json")
        except ServiceError as exc:
            error = exc.to_body()
            sp.status = exc.code.value
        if log_payloads and logger.isEnabledFor(logging.INFO):  # redacting costs more than the call itself
            logger.info(
                "tool %s.%s", registry.service, request.tool,
                extra={"event_type": "tool_payload", "request": redact(request.arguments),
                       "response": redact(result) if error is None else error.model_dump(mode="json"),
                       "status": sp.status},
            )  # fmt: skip
    latency = tracing.elapsed_ms(start)
    return CallResponse(
        ok=error is None,
        result=result,
        error=error,
        service=registry.service,
        tool=request.tool,
        latency_ms=latency,
    )


def _context(body: CallContext) -> tracing.TraceContext:
    """The body's trace context wins over headers: it names the caller's exact span."""
    current = tracing.current() or tracing.TraceContext(tracing.new_trace_id(), tracing.new_span_id())
    current = replace(current, session_id=body.session_id or current.session_id)
    trace_id, span_id = (body.trace_id or "").lower(), (body.span_id or "").lower()
    if not tracing.is_trace_id(trace_id):
        return current
    return replace(current, trace_id=trace_id, parent_span_id=span_id if tracing.is_span_id(span_id) else None)


@asynccontextmanager
async def _maybe(lifespan: Lifespan | None) -> AsyncIterator[None]:
    if lifespan is None:
        yield
        return
    async with lifespan():
        yield
