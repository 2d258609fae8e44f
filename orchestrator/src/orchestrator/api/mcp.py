"""The orchestrator's own `/mcp` (official SDK, Streamable HTTP): `ask`, and the catalog's tools.

- `ask(question)` gives the answer `/query` gives, with its sources, for the caller.
- Catalog tools (`service.tool`, per `ORCH_MCP_CATALOG_TOOLS`) are listed and callable only when
  the caller's allowlist permits them. Their identity arguments are not in the listed schema and
  are bound to the caller, whatever a client sends; calls go through the same validation,
  timeouts, retries and cache as planned calls.
- The caller is resolved once per HTTP request by `Callers` (`security.identity`), in
  `McpCallerMiddleware`: with `ORCH_MCP_API_KEYS` set, the bearer token names them (a wrong or
  missing token is HTTP 401 before MCP sees the request); without keys (development), the
  `X-User-Email` header does. Listing needs no caller; calls do.
- `ask` and tool calls go down the engine's one path (`Engine.handle`) like `/query`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, CallToolResult, InputRequiredResult, TextContent, ToolAnnotations
from mcp.types import Tool as MCPTool
from pydantic import Field

from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.mcp_server import SpecServer
from orchestrator import __version__
from orchestrator.api.mcp_caller import _caller
from orchestrator.api.models import QueryResponse
from orchestrator.core.engine import Engine
from orchestrator.core.requests import Question, ToolCall
from orchestrator.security.caller import Caller
from orchestrator.security.identity import Callers
from orchestrator.settings import Settings
from orchestrator.tools.catalog import CatalogTool


class OrchestratorMcpServer(SpecServer):
    """`ask` plus the catalog tools the caller may use; bound to the engine once the app has started."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            "mcp-orchestrator",
            version=__version__,
            instructions="Ask questions about the user's data with `ask`; the answer names its sources.",
            log_level="WARNING",
            subscriptions=False,
        )
        self.config = settings
        self.callers = Callers(settings)
        self.engine: Engine | None = None
        self.add_tool(
            self._ask,
            name="ask",
            title="Ask a question",
            description="Answer a natural-language question about the caller's data (billing, CRM, orders, "
            "menu, …); the answer lists the tools it used as sources, with a confidence.",
            annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False),
            structured_output=True,
        )

    def bind(self, engine: Engine) -> None:
        self.engine = engine

    async def _ask(
        self,
        question: Annotated[str, Field(min_length=1, max_length=2000, description="The question, in plain language.")],
    ) -> QueryResponse:
        caller = _required_caller()
        if not question.strip():
            raise _tool_error(ErrorCode.INVALID_REQUEST, "question must not be blank")
        try:
            answer = await self._engine().handle(Question(question.strip()), caller)
        except ServiceError as exc:
            raise _tool_error(exc.code, exc.message) from exc
        return QueryResponse.model_validate(answer, from_attributes=True)

    async def list_tools(self) -> list[MCPTool]:
        own = await super().list_tools()
        caller = _caller.get() or self.callers.anonymous()
        return own + [_as_mcp_tool(tool) for tool in self._catalog_tools(caller)]

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        if self._tool_manager.get_tool(name) is not None:
            return await super().call_tool(name, arguments, context)
        if name not in {tool.name for tool in self._catalog_tools(_caller.get() or self.callers.anonymous())}:
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown tool: {name}")
        caller = _required_caller()
        answer = await self._engine().handle(ToolCall(name, dict(arguments)), caller)
        error = next((source.error for source in answer.sources if source.error is not None), None)
        if error is not None or answer.data is None:
            return _error_result(error.code.value, error.message) if error else _error_result("INTERNAL", "no result")
        data = answer.data
        return CallToolResult(content=[TextContent(type="text", text=json.dumps(data))], structured_content=data)

    def _catalog_tools(self, caller: Caller) -> list[CatalogTool]:
        offered = self.config.mcp_catalog_tools
        if offered == "none" or self.engine is None:
            return []
        if offered == "read":
            return self.engine.catalog.readable_by(caller)
        return [tool for tool in self.engine.catalog.tools() if caller.may_use(tool.name)]

    def _engine(self) -> Engine:
        if self.engine is None:
            raise _tool_error(ErrorCode.SERVICE_UNAVAILABLE, "the orchestrator is starting")
        return self.engine


def _required_caller() -> Caller:
    caller = _caller.get()
    if caller is None:
        raise _tool_error(ErrorCode.UNAUTHENTICATED, "name the user with the X-User-Email header (or a bearer token)")
    return caller


def _as_mcp_tool(tool: CatalogTool) -> MCPTool:
    """The tool as MCP clients see it: identity arguments are the orchestrator's to fill, not theirs."""
    schema = dict(tool.info.input_schema)
    hidden = set(tool.info.identity_args)
    schema["properties"] = {k: v for k, v in (schema.get("properties") or {}).items() if k not in hidden}
    if "required" in schema:
        schema["required"] = [r for r in schema["required"] if r not in hidden]
    return MCPTool(
        name=tool.name,
        description=tool.info.description,
        input_schema=schema,
        output_schema=tool.info.output_schema if tool.info.output_schema.get("type") == "object" else None,
        annotations=ToolAnnotations(
            read_only_hint=not tool.info.writes, idempotent_hint=not tool.info.writes, open_world_hint=False
        ),
    )


def _tool_error(code: ErrorCode, message: str) -> ToolError:
    return ToolError(f"{code.value}: {message}")


def _error_result(code: str, message: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=f"{code}: {message}")], is_error=True)
