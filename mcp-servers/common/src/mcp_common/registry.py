"""The tool registry: each tool is declared once and served on every transport.

```python
registry = ToolRegistry("chargebee")

@registry.tool(identity_args=("email",), cache_ttl_s=60, examples=["what plan am I on?"])
async def get_subscription(args: EmailArgs, ctx: CallContext) -> SubscriptionResponse:
    \"\"\"The caller's current subscription.\"\"\"
    return await backend.subscription(args.email)
```
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, get_type_hints

from pydantic import BaseModel, ValidationError

from mcp_common.errors import ErrorCode, ServiceError, invalid_request
from mcp_common.wire import CallContext, ToolInfo

logger = logging.getLogger(__name__)

InT = TypeVar("InT", bound=BaseModel)
OutT = TypeVar("OutT", bound=BaseModel)
Handler = Callable[[Any, CallContext], Awaitable[BaseModel]]


@dataclass(frozen=True, kw_only=True)
class ToolSpec:
    """Everything known about one tool."""

    name: str
    description: str
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    handler: Handler
    writes: bool = False
    identity_args: tuple[str, ...] = ()
    cache_ttl_s: float = 0.0
    examples: tuple[str, ...] = ()
    cache_scope: str = ""
    invalidates: tuple[str, ...] | None = None

    def info(self) -> ToolInfo:
        return ToolInfo(
            name=self.name,
            description=self.description,
            input_schema=self.input_model.model_json_schema(),
            output_schema=self.output_model.model_json_schema(mode="serialization"),
            writes=self.writes,
            identity_args=list(self.identity_args),
            cache_ttl_s=self.cache_ttl_s,
            examples=list(self.examples),
            cache_scope=None if self.writes else self.cache_scope or None,
            invalidates=list(self.invalidates) if self.invalidates is not None else None,
        )


class ToolRegistry:
    """The tools of one service."""

    def __init__(self, service: str, version: str = "0.1.0") -> None:
        self.service = service
        self.version = version
        self._tools: dict[str, ToolSpec] = {}

    def tool(
        self,
        *,
        description: str | None = None,
        writes: bool = False,
        identity_args: Sequence[str] = (),
        cache_ttl_s: float = 0.0,
        examples: Sequence[str] = (),
        cache_scope: str | None = None,
        invalidates: Sequence[str] | None = None,
    ) -> Callable[[Callable[[InT, CallContext], Awaitable[OutT]]], Callable[[InT, CallContext], Awaitable[OutT]]]:
        """Register an async `(args: InputModel, ctx: CallContext) -> OutputModel` function.

        Caching: a read tool's results are cached for `cache_ttl_s` under `cache_scope` (default: this
        service's name). A write tool names in `invalidates` the scopes whose cached reads of the caller
        it makes stale (e.g. `("order", "tracking")`); left out, it invalidates all of the caller's reads.
        """

        def register(
            fn: Callable[[InT, CallContext], Awaitable[OutT]],
        ) -> Callable[[InT, CallContext], Awaitable[OutT]]:
            hints = get_type_hints(fn)
            params = [name for name in hints if name != "return"]
            input_model, output_model = hints[params[0]], hints["return"]
            self.add(
                ToolSpec(
                    name=fn.__name__,
                    description=_clean(description or fn.__doc__ or ""),
                    input_model=input_model,
                    output_model=output_model,
                    handler=fn,
                    writes=writes,
                    identity_args=tuple(identity_args),
                    cache_ttl_s=cache_ttl_s,
                    examples=tuple(examples),
                    cache_scope=cache_scope or "",
                    invalidates=tuple(invalidates) if invalidates is not None else None,
                )
            )
            return fn

        return register

    def add(self, spec: ToolSpec) -> None:
        if spec.name in self._tools:
            raise ValueError(f"tool {spec.name!r} is declared twice in {self.service!r}")
        unknown = set(spec.identity_args) - set(spec.input_model.model_fields)
        if unknown:
            raise ValueError(f"identity args {sorted(unknown)} are not fields of {spec.input_model.__name__}")
        if not spec.description:
            raise ValueError(f"tool {spec.name!r} needs a description")
        if spec.invalidates is not None and not spec.writes:
            raise ValueError(f"tool {spec.name!r} reads only: it cannot invalidate cached reads")
        if spec.writes and spec.cache_scope:
            raise ValueError(f"tool {spec.name!r} writes: its results are never cached, it has no cache scope")
        if not spec.writes and not spec.cache_scope:
            spec = dataclasses.replace(spec, cache_scope=self.service)
        self._tools[spec.name] = spec

    def get(self, name: str) -> ToolSpec:
        try:
            return self._tools[name]
        except KeyError:
            raise ServiceError(ErrorCode.TOOL_NOT_FOUND, f"{self.service} has no tool {name!r}") from None

    def __iter__(self) -> Iterator[ToolSpec]:
        return iter(self._tools.values())

    async def call(self, name: str, arguments: dict[str, Any], ctx: CallContext) -> BaseModel:
        """Validate the arguments, check identity, run the tool and validate its result."""
        spec = self.get(name)
        try:
            args = spec.input_model.model_validate(arguments)
        except ValidationError as exc:
            raise invalid_arguments(exc) from exc
        _check_identity(spec, args, ctx)
        try:
            result = await spec.handler(args, ctx)
        except ServiceError:
            raise
        except Exception as exc:
            logger.exception("tool %s.%s crashed", self.service, name)
            raise ServiceError(ErrorCode.INTERNAL, f"{self.service}.{name} failed unexpectedly") from exc
        if not isinstance(result, spec.output_model):
            raise ServiceError(ErrorCode.INTERNAL, f"{self.service}.{name} returned an unexpected type")
        return result


def _check_identity(spec: ToolSpec, args: BaseModel, ctx: CallContext) -> None:
    if ctx.caller is None:
        return
    for field in spec.identity_args:
        value = getattr(args, field)
        if value is not None and str(value).lower() != ctx.caller.lower():
            raise ServiceError(ErrorCode.FORBIDDEN, f"{field} must name the caller")


def invalid_arguments(exc: ValidationError) -> ServiceError:
    """The `INVALID_REQUEST` error for arguments that failed validation; names fields, never values."""
    errors = exc.errors(include_url=False, include_input=False)
    return invalid_request(errors, prefix="invalid arguments: ", where_default="arguments")


def _clean(text: str) -> str:
    return " ".join(text.split())
