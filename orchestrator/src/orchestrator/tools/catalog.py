"""Catalog: every tool of every source, namespaced `service.tool`, with compiled schema validators."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.wire import ToolInfo
from orchestrator.security.caller import Caller
from orchestrator.tools.schema_check import Check, compile_check
from orchestrator.tools.source import ToolSource

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

logger = logging.getLogger(__name__)
ALLOWLISTS_KEPT = 256
"""Allowlists whose readable tools `Catalog.readable_by` remembers (the oldest forgotten first)."""


@dataclass(frozen=True)
class CatalogTool:
    """One tool as the orchestrator sees it."""

    service: str
    info: ToolInfo
    input_validator: Draft202012Validator = field(repr=False, compare=False)
    output_validator: Draft202012Validator = field(repr=False, compare=False)
    # The same verdicts, compiled to plain predicates (None: a schema `schema_check` does not handle).
    input_check: Check | None = field(default=None, repr=False, compare=False)
    output_check: Check | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, service: str, info: ToolInfo) -> CatalogTool:
        from jsonschema import Draft202012Validator  # once a service lists tools, not at start-up

        validators = Draft202012Validator(info.input_schema), Draft202012Validator(info.output_schema)
        return cls(service, info, *validators, compile_check(info.input_schema), compile_check(info.output_schema))

    @property
    def name(self) -> str:
        return f"{self.service}.{self.info.name}"

    def input_errors(self, arguments: dict[str, Any]) -> list[str]:
        if self.input_check is not None and self.input_check(arguments):
            return []
        return [_describe(e) for e in self.input_validator.iter_errors(arguments)]

    def output_errors(self, result: dict[str, Any]) -> list[str]:
        """What is wrong with `result`; `[]` when valid (checked by the compiled predicate when there is one,
        `jsonschema` then only describing what it refused)."""
        if self.output_check is not None and self.output_check(result):
            return []
        return [_describe(e) for e in self.output_validator.iter_errors(result)]


@dataclass
class SourceStatus:
    up: bool = False
    error: str | None = None
    tools: int = 0


class Catalog:
    """The tools of all sources; refreshed periodically, keeping the last good listing of a source."""

    def __init__(self, sources: Sequence[ToolSource], *, timeout_s: float = 5.0) -> None:
        self.sources = {source.name: source for source in sources}
        self.status = {name: SourceStatus() for name in self.sources}
        self._tools: dict[str, CatalogTool] = {}
        # Per allowlist, the read tools of the current listing (`readable_by`); emptied by each refresh.
        self._readable: dict[tuple[str, ...], list[CatalogTool]] = {}
        self._timeout_s = timeout_s
        self.version = "empty"

    async def refresh(self, names: Collection[str] | None = None) -> None:
        """Re-read the listings of `names` (default: every source); a failed listing keeps the last good one."""
        sources = [s for s in self.sources.values() if names is None or s.name in names]
        listings = await asyncio.gather(*(self._list(s) for s in sources))
        tools = {t.name: t for t in self._tools.values()}
        for source, listing in zip(sources, listings, strict=True):
            if listing is None:
                continue
            tools = {n: t for n, t in tools.items() if t.service != source.name}
            tools |= {f"{source.name}.{info.name}": tool for info in listing if (tool := _usable(source.name, info))}
        self._tools = dict(sorted(tools.items()))
        self._readable = {}
        self.version = _version(self._tools.values())

    async def _list(self, source: ToolSource) -> list[ToolInfo] | None:
        try:
            async with asyncio.timeout(self._timeout_s):
                listing = await source.list_tools()
        except (ServiceError, TimeoutError) as exc:
            self.status[source.name] = SourceStatus(up=False, error=str(exc) or "timeout")
            logger.warning("tool listing of %s failed: %s", source.name, exc, extra={"event_type": "catalog_error"})
            return None
        self.status[source.name] = SourceStatus(up=True, tools=len(listing))
        return listing

    def tools(self) -> list[CatalogTool]:
        return list(self._tools.values())

    @property
    def listing(self) -> Mapping[str, CatalogTool]:
        """The current listing (name → tool), read-only: a new object after each refresh, so what was worked
        out from one listing can tell it is still current by identity."""
        return self._tools

    def readable_by(self, caller: Caller) -> list[CatalogTool]:
        """The tools `caller` may use that only read: what a one-shot question can be planned with.

        Worked out once per allowlist and listing (matching every tool against each pattern is most of a
        rule plan's cost when the plan itself is remembered); at most `ALLOWLISTS_KEPT` allowlists."""
        known = self._readable.get(caller.allowed_tools)
        if known is None:
            known = [tool for tool in self._tools.values() if caller.may_use(tool.name) and not tool.info.writes]
            if len(self._readable) >= ALLOWLISTS_KEPT:
                del self._readable[next(iter(self._readable))]
            self._readable[caller.allowed_tools] = known
        return list(known)

    def get(self, name: str) -> CatalogTool:
        try:
            return self._tools[name]
        except KeyError:
            raise ServiceError(ErrorCode.TOOL_NOT_FOUND, f"no tool named {name!r}") from None

    def source(self, service: str) -> ToolSource:
        return self.sources[service]


def _usable(service: str, info: ToolInfo) -> CatalogTool | None:
    """The catalog entry of a listed tool, or None (logged) when its schemas are not valid JSON Schema."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(info.input_schema)
        Draft202012Validator.check_schema(info.output_schema)
    except SchemaError as exc:
        logger.warning(
            "%s.%s has an invalid schema and is left out: %s", service, info.name, exc.message,
            extra={"event_type": "catalog_error"},
        )  # fmt: skip
        return None
    return CatalogTool.of(service, info)


def _version(tools: Sequence[CatalogTool] | Any) -> str:
    digest = hashlib.sha256()
    for tool in tools:
        digest.update(json.dumps([tool.name, tool.info.input_schema, tool.info.output_schema], sort_keys=True).encode())
    return digest.hexdigest()[:12]


def _describe(error: Any) -> str:
    where = ".".join(str(p) for p in error.absolute_path) or "(root)"
    return f"{where}: {error.message}"
