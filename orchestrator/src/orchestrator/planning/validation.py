"""Plan validation: the only way from a proposed plan to calls that run.

A step survives only if its tool is in the catalog and allowed for the caller, its identity
arguments have been overwritten with the caller's identity, and its arguments validate against
the tool's input schema. Whoever proposed the plan (rules or a model) never chooses whose data
is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcp_common.errors import ErrorBody, ErrorCode, ServiceError
from orchestrator.caller import Caller
from orchestrator.planning.base import Plan
from orchestrator.tools.catalog import Catalog, CatalogTool


@dataclass(frozen=True)
class ValidatedStep:
    tool: CatalogTool
    arguments: dict[str, Any]


@dataclass(frozen=True)
class RejectedStep:
    tool: str
    error: ErrorBody


def validate_plan(
    plan: Plan, catalog: Catalog, caller: Caller, *, allow_writes: bool = False
) -> tuple[list[ValidatedStep], list[RejectedStep]]:
    """Split a plan into steps that may run and steps rejected with the reason.

    Plans answer questions: a step calling a tool that writes is rejected unless `allow_writes`
    (writes run only from a confirmed pending action of a conversation).
    """
    accepted: list[ValidatedStep] = []
    rejected: list[RejectedStep] = []
    seen: set[str] = set()
    for step in plan.steps:
        try:
            validated = validate_step(step.tool, step.arguments, catalog, caller)
            if validated.tool.info.writes and not allow_writes:
                raise ServiceError(
                    ErrorCode.FORBIDDEN, f"{step.tool} changes data and needs a confirmed conversation turn"
                )
        except ServiceError as exc:
            rejected.append(RejectedStep(step.tool, exc.to_body()))
            continue
        key = validated.tool.name + repr(sorted(validated.arguments.items()))
        if key not in seen:
            seen.add(key)
            accepted.append(validated)
    return accepted, rejected


def validate_step(name: str, arguments: dict[str, Any], catalog: Catalog, caller: Caller) -> ValidatedStep:
    """One call made safe to run, or ServiceError: TOOL_NOT_FOUND, FORBIDDEN, INVALID_REQUEST."""
    tool = catalog.get(name)
    if not caller.may_use(name):
        raise ServiceError(ErrorCode.FORBIDDEN, f"{name} is not among the tools this caller may use")
    bound = dict(arguments)
    for arg in tool.info.identity_args:
        bound[arg] = caller.email
    errors = tool.input_errors(bound)
    if errors:
        raise ServiceError(ErrorCode.INVALID_REQUEST, f"{name}: " + "; ".join(errors))
    return ValidatedStep(tool, bound)
