"""What a request asks the engine for, whatever entry point it came through.

- `Question`: a one-shot question (`POST /query`, the MCP `ask` tool): planned, answered, cached.
- `Message`: one message of a conversation (`POST /orchestrate`, channel adapters): planned over
  the caller's session by the conversation plug-in's flows, never cached as a whole.
- `ToolCall`: one catalog tool named by an MCP client: a plan of that one step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Question:
    text: str


@dataclass(frozen=True)
class Message:
    text: str
    channel: str
    session_id: str | None = None


@dataclass(frozen=True)
class ToolCall:
    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)


Request = Question | Message | ToolCall
