"""Configuration of third-party MCP servers used as tool sources (`ORCH_MCP_SERVERS`).

```json
{
  "time": {"transport": "stdio", "command": "mcp-server-time", "args": ["--local-timezone", "UTC"],
           "tools": {"get_current_time": {"examples": ["what time is it in Tokyo?"]}}},
  "docs": {"transport": "http", "url": "https://mcp.example.com/mcp",
           "headers": {"Authorization": "Bearer ${DOCS_MCP_TOKEN}"}}
}
```

`${VAR}` in `env` and `headers` values is read from the orchestrator's environment when the
server is connected, so tokens come from the environment (Secret Manager on Cloud Run), never
from this JSON; an unset variable fails the connection with its name, never its value. A stdio
server inherits only a minimal environment (PATH, HOME, …) plus its `env`: the orchestrator's
own secrets are not passed on.
"""

from __future__ import annotations

import os
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SERVER_NAME = r"^[a-z][a-z0-9_-]{0,31}$"
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ToolOverride(BaseModel):
    """What the configuration adds to, or corrects in, one tool of a server."""

    model_config = ConfigDict(extra="forbid")

    examples: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default_factory=list, max_length=50, description="Example questions this tool answers (rules planner)."
    )
    writes: bool | None = Field(
        default=None,
        description="Whether the tool changes state. Unset: read-only only when the server annotates it "
        "`readOnlyHint: true`; any other tool is treated as writing (never planned for /query, never retried).",
    )
    identity_args: list[str] = Field(
        default_factory=list,
        description="Arguments that name the end user; bound to the caller's email like the services' own.",
    )
    cache_ttl_s: float | None = Field(default=None, ge=0, description="How long results may be cached per user.")
    defaults: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="Arguments the rules planner uses when the question does not state them."
    )
    enabled: bool = Field(default=True, description="False hides the tool from the catalog.")


class _ServerBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tools: dict[str, ToolOverride] = Field(default_factory=dict, description="Per-tool additions, by tool name.")
    cache_ttl_s: float = Field(default=0.0, ge=0, description="Default cache TTL of this server's read tools.")
    mode: Literal["auto", "legacy"] = Field(
        default="auto",
        description="`auto` negotiates the newest protocol the server speaks; `legacy` forces the 2025 handshake.",
    )


class StdioServer(_ServerBase):
    """A server started as a child process, spoken to over its stdin/stdout."""

    transport: Literal["stdio"]
    command: str = Field(min_length=1, description="Executable (looked up on PATH).")
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict, description="Extra environment; `${VAR}` is expanded.")
    cwd: str | None = None


class HttpServer(_ServerBase):
    """A server reached over Streamable HTTP."""

    transport: Literal["http"]
    url: str = Field(pattern=r"^https?://", description="The MCP endpoint, e.g. `https://host/mcp`.")
    headers: dict[str, str] = Field(default_factory=dict, description="Request headers; `${VAR}` is expanded.")

    @model_validator(mode="after")
    def _no_credentials_in_url(self) -> HttpServer:
        authority = self.url.split("//", 1)[1].split("/", 1)[0]
        if "@" in authority:
            raise ValueError("put credentials in `headers` (with ${VAR}), not in the URL")
        return self


McpServerConfig = Annotated[StdioServer | HttpServer, Field(discriminator="transport")]


def expand(values: dict[str, str], where: str) -> dict[str, str]:
    """`values` with every `${VAR}` replaced from the environment; `KeyError`-free: raises ValueError naming VAR."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ValueError(f"{where}: environment variable {name} is not set")
        return os.environ[name]

    return {key: _VARIABLE.sub(substitute, value) for key, value in values.items()}
