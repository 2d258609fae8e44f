"""A small MCP server (official SDK) with the awkward cases third-party servers present.

Run over stdio: `python mcp_fixture_server.py`; over Streamable HTTP: `python mcp_fixture_server.py --http PORT`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import BaseModel

READ_ONLY = ToolAnnotations(read_only_hint=True)
server = MCPServer("fixture", version="1.0.0", log_level="WARNING")


class Weather(BaseModel):
    city: str
    celsius: float


@server.tool(annotations=READ_ONLY, description="Weather in a city. Gives the temperature now.")
def weather(city: str) -> Weather:
    return Weather(city=city, celsius=21.5)


@server.tool(annotations=READ_ONLY, structured_output=False, description="A greeting, as plain text.")
def greet(name: str) -> str:
    return f"Hello, {name}!"


@server.tool(annotations=READ_ONLY, structured_output=False, description="Fails the way it is told to.")
def fail(message: str) -> str:
    raise ToolError(message)


@server.tool(description="Stores a note (no annotations: a client must assume it writes).")
def save_note(text: str) -> str:
    return f"saved {len(text)} characters"


@server.tool(annotations=READ_ONLY, description="Where this process runs: its pid and one environment variable.")
def whoami(variable: str) -> dict[str, Any]:
    return {"pid": os.getpid(), "value": os.environ.get(variable)}


@server.tool(annotations=READ_ONLY, structured_output=False, description="Exits the process without answering.")
def crash() -> str:
    os._exit(3)


@server.tool(description="Adds the `extra` tool and tells clients the tool list changed.")
async def add_extra(ctx: Context[Any, Any]) -> str:
    if server._tool_manager.get_tool("extra") is None:
        server.add_tool(lambda: "extra!", name="extra", description="Added at run time.", annotations=READ_ONLY)
    await ctx.notify_tools_changed()  # 2026 connections: subscriptions/listen
    with contextlib.suppress(Exception):  # 2025 connections: a notification on the session
        await ctx.request_context.session.send_tool_list_changed()
    return "added"


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--http":
        import uvicorn

        app = server.streamable_http_app(stateless_http=True, json_response=True)
        uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
    else:
        server.run("stdio")
