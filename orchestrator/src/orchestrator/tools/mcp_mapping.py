"""MCP tools and results as the catalog sees them: listings become `ToolInfo`s, results become dicts.

- A tool's configured overrides (`ORCH_MCP_SERVERS[…].tools`) can disable it, name identity
  arguments, mark it as writing, add examples and defaults, and set its cache TTL; a tool whose
  name or overrides do not fit is skipped and logged.
- Results: `structuredContent` when present, else the text blocks as `{"text": …}` (a JSON object
  in the text is used as is when the tool declares an output schema). `isError` results become a
  `ServiceError` carrying the tool's message (its `CODE: ` when it names one of ours).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from typing import Any

import mcp_types as types

from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.wire import ToolInfo
from orchestrator.tools.mcp_config import HttpServer, StdioServer, ToolOverride

logger = logging.getLogger("orchestrator.tools.mcp")

TEXT_RESULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"text": {"type": "string", "description": "The tool's text output."}},
    "required": ["text"],
}
_TOOL_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
_MAX_TEXT = 100_000
_ERROR_PREFIX = re.compile(r"^([A-Z_]+): (.*)$", re.DOTALL)  # the services' own `CODE: message`
_SDK_PREFIX = re.compile(r"^Error executing tool \S+: ")


def tool_infos(
    server: str, config: StdioServer | HttpServer, tools: list[types.Tool]
) -> tuple[list[ToolInfo], set[str]]:
    """The catalog entries of a server's tools (per its configuration's overrides), and the names of
    those that declare an output schema; unusable tools are skipped and logged."""
    infos: list[ToolInfo] = []
    declared: set[str] = set()
    for tool in tools:
        if not _TOOL_NAME.match(tool.name):
            logger.warning("MCP server %s: tool name %r is not usable; skipped", server, tool.name[:80])
            continue
        override = config.tools.get(tool.name, ToolOverride())
        if not override.enabled:
            continue
        info = _info(server, config, tool, override)
        if info is not None:
            infos.append(info)
            if tool.output_schema:
                declared.add(tool.name)
    return infos, declared


def _info(server: str, config: StdioServer | HttpServer, tool: types.Tool, override: ToolOverride) -> ToolInfo | None:
    input_schema = dict(tool.input_schema or {"type": "object"})
    properties = input_schema.get("properties") or {}
    unknown = [arg for arg in override.identity_args if arg not in properties]
    if unknown:
        logger.warning("MCP server %s: %s has no argument %s; tool skipped", server, tool.name, unknown)
        return None
    read_only = bool(tool.annotations and tool.annotations.read_only_hint)
    writes = override.writes if override.writes is not None else not read_only
    description = (tool.description or tool.title or tool.name).strip()
    examples = [*override.examples, _first_sentence(description)]
    if override.defaults:
        input_schema["properties"] = {
            name: ({**prop, "default": override.defaults[name]} if name in override.defaults else prop)
            for name, prop in properties.items()
        }
    ttl = override.cache_ttl_s if override.cache_ttl_s is not None else config.cache_ttl_s
    return ToolInfo(
        name=tool.name,
        description=clip(description, 1000),
        input_schema=input_schema,
        output_schema=dict(tool.output_schema) if tool.output_schema else TEXT_RESULT_SCHEMA,
        writes=writes,
        identity_args=override.identity_args,
        cache_ttl_s=0.0 if writes else ttl,
        examples=[e for e in examples if e],
        cache_scope=None if writes else server,
        invalidates=[server] if writes else None,
    )


def result_of(server: str, tool: str, result: types.CallToolResult, declares_output: bool) -> dict[str, Any]:
    text = clip("\n".join(_content_text(block) for block in result.content), _MAX_TEXT)
    if result.is_error:
        text = _SDK_PREFIX.sub("", text, count=1)
        match = _ERROR_PREFIX.match(text)
        if match and match.group(1) in ErrorCode.__members__:
            raise ServiceError(ErrorCode(match.group(1)), clip(match.group(2), 500))
        raise ServiceError(ErrorCode.INVALID_REQUEST, f"{server}.{tool} failed: {clip(text, 500)}")
    if isinstance(result.structured_content, dict):
        return result.structured_content
    if declares_output:
        with contextlib.suppress(ValueError):
            parsed = json.loads(text)
            if isinstance(parsed, dict):
                return parsed
    return {"text": text}


def _content_text(block: Any) -> str:
    kind = getattr(block, "type", "")
    if kind == "text":
        return str(block.text)
    if kind in ("image", "audio"):
        return f"[{kind} {getattr(block, 'mime_type', '')}]".replace(" ]", "]")
    if kind == "resource_link":
        return f"[resource {getattr(block, 'uri', '')}]"
    if kind == "resource":
        inner = getattr(block, "resource", None)
        return str(getattr(inner, "text", None) or f"[resource {getattr(inner, 'uri', '')}]")
    return f"[{kind or 'content'}]"


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s|\n", text, maxsplit=1)[0][:200]


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
