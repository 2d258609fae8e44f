"""Serve a `ToolRegistry` over the Model Context Protocol with the official SDK's `MCPServer`."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine, Sequence
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.server.transport_security import TransportSecuritySettings
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, CallToolResult, GetPromptResult, InputRequiredResult, ToolAnnotations
from pydantic import BaseModel, ValidationError
from starlette.routing import BaseRoute

from mcp_common import caller_auth, tracing
from mcp_common.errors import ServiceError
from mcp_common.registry import ToolRegistry, ToolSpec, invalid_arguments
from mcp_common.wire import CallContext


class SpecServer(MCPServer[Any]):
    """An `MCPServer` that answers as the spec and the plain HTTP contract do, on every protocol version:

    - an unknown tool or prompt is the JSON-RPC error -32602 (the SDK answers a tool error result,
      or an error with code 0);
    - a tool's error result reads `CODE: message`, as the tool raised it (the SDK puts
      "Error executing tool <name>: " in front);
    - invalid arguments read like the registry's, naming fields and never the values sent (the SDK's
      message echoes the input).
    """

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        if self._tool_manager.get_tool(name) is None:
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown tool: {name}")
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if isinstance(exc, UnexpectedToolError):
                raise
            if isinstance(exc.__cause__, ValidationError):
                error = invalid_arguments(exc.__cause__)
                raise ToolError(f"{error.code.value}: {error.message}") from exc.__cause__
            if isinstance(exc.__cause__, ToolError):
                raise exc.__cause__ from exc.__cause__.__cause__
            raise

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None, context: Context[Any, Any] | None = None
    ) -> GetPromptResult | InputRequiredResult:
        if self._prompt_manager.get_prompt(name) is None:
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown prompt: {name}")
        return await super().get_prompt(name, arguments, context)


def build_mcp_server(registry: ToolRegistry) -> MCPServer[Any]:
    """An `MCPServer` exposing every tool of the registry with its own input and output schema."""
    server = SpecServer(registry.service, version=registry.version, log_level="WARNING")
    for spec in registry:
        server.add_tool(
            _as_function(registry, spec),
            name=spec.name,
            description=spec.description,
            annotations=ToolAnnotations(read_only_hint=not spec.writes, idempotent_hint=not spec.writes),
            meta={"writes": spec.writes, "identity_args": list(spec.identity_args)},
            structured_output=True,
        )
    return server


def mcp_routes(server: MCPServer[Any], allowed_hosts: Sequence[str]) -> list[BaseRoute]:
    """Stateless Streamable HTTP routes at `/mcp`, accepting the given Host headers.

    `allowed_hosts` entries are `host:port` or `host:*`; `*` alone disables the Host check
    (for deployments behind a trusted proxy such as Cloud Run's front end).
    """
    if "*" in allowed_hosts:
        security = TransportSecuritySettings(enable_dns_rebinding_protection=False)
    else:
        security = TransportSecuritySettings(
            allowed_hosts=list(allowed_hosts),
            allowed_origins=[f"http://{h}" for h in allowed_hosts] + [f"https://{h}" for h in allowed_hosts],
        )
    app = server.streamable_http_app(
        streamable_http_path="/mcp", stateless_http=True, json_response=True, transport_security=security
    )
    return list(app.routes)


def _as_function(registry: ToolRegistry, spec: ToolSpec) -> Callable[..., Coroutine[Any, Any, BaseModel]]:
    """A keyword-argument function whose signature mirrors the tool's input model."""

    async def run(**arguments: Any) -> BaseModel:
        ctx = tracing.current()
        caller = caller_auth.current()  # set when the service has caller keys: the bearer assertion
        call_ctx = CallContext(
            trace_id=ctx.trace_id if ctx else None,
            span_id=tracing.caller_span_id(),
            session_id=ctx.session_id if ctx else None,
            **({"caller": caller.subject, "tenant": caller.tenant} if caller else {}),
        )
        try:
            with tracing.span("tool_call", tool=spec.name, transport="mcp"):
                return await registry.call(spec.name, arguments, call_ctx)
        except ServiceError as exc:
            raise ToolError(f"{exc.code.value}: {exc.message}") from exc

    params = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[field.annotation, field],
            default=inspect.Parameter.empty if field.is_required() else field.get_default(call_default_factory=True),
        )
        for name, field in spec.input_model.model_fields.items()
    ]
    run.__signature__ = inspect.Signature(params, return_annotation=spec.output_model)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in params} | {"return": spec.output_model}
    run.__name__ = spec.name
    return run
