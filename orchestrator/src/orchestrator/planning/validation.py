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
from orchestrator.planning.base import Plan
from orchestrator.security.caller import Caller
from orchestrator.tools.catalog import Catalog, CatalogTool


@dataclass(frozen=True)
class ValidatedStep:
    tool: CatalogTool
    arguments: dict[str, Any]

    @property
    def key(self) -> str:
        """Identical calls (same tool, same arguments) have the same key: they run once."""
        return self.tool.name + repr(sorted(self.arguments.items()))


@dataclass(frozen=True)
class RejectedStep:
    tool: str
    error: ErrorBody


def validate_plan(plan: Plan, catalog: Catalog, caller: Caller) -> tuple[list[ValidatedStep], list[RejectedStep]]:
    """Split a plan into steps that may run (identical steps once) and steps rejected with the reason."""
    accepted: dict[str, ValidatedStep] = {}
    rejected: list[RejectedStep] = []
    for checked in check_plan(plan, catalog, caller):
        if isinstance(checked, RejectedStep):
            rejected.append(checked)
        else:
            accepted.setdefault(checked.key, checked)
    return list(accepted.values()), rejected


def check_plan(plan: Plan, catalog: Catalog, caller: Caller) -> list[ValidatedStep | RejectedStep]:
    """Each step of the plan, in order, made safe to run or rejected with the reason.

    A step calling a tool that writes is rejected unless code marked it `writes_allowed` (a
    conversation flow's declared write, or a tool an MCP client called by name): what a question
    or a model proposes only reads.
    """
    checked: list[ValidatedStep | RejectedStep] = []
    for step in plan.steps:
        try:
            validated = validate_step(step.tool, step.arguments, catalog, caller)
            if validated.tool.info.writes and not step.writes_allowed:
                raise ServiceError(
                    ErrorCode.FORBIDDEN, f"{step.tool} changes data and needs a confirmed conversation turn"
                )
        except ServiceError as exc:
            checked.append(RejectedStep(step.tool, exc.to_body()))
            continue
        checked.append(validated)
    return checked


def validate_step(name: str, arguments: dict[str, Any], catalog: Catalog, caller: Caller) -> ValidatedStep:
    """One call made safe to run, or ServiceError: TOOL_NOT_FOUND, FORBIDDEN, INVALID_REQUEST."""
    tool = catalog.get(name)
    if not caller.may_use(name):
        raise ServiceError(ErrorCode.FORBIDDEN, f"{name} is not among the tools this caller may use")
    bound = dict(arguments)
    for arg in tool.info.identity_args:
        bound[arg] = caller.email
    schema = tool.info.input_schema
    absent = [name for name in schema.get("required", []) if name not in bound]
    if absent:  # said in words the asker can act on, not as a schema error
        wanted = "; ".join(_wanted(arg, schema.get("properties", {}).get(arg, {})) for arg in absent)
        raise ServiceError(ErrorCode.INVALID_REQUEST, f"{name} needs {wanted}")
    errors = tool.input_errors(bound)
    if errors:
        raise ServiceError(ErrorCode.INVALID_REQUEST, f"{name}: " + "; ".join(errors))
    return ValidatedStep(tool, bound)


def _wanted(arg: str, prop: dict[str, Any]) -> str:
    """An argument the question did not give, with its description (`order_id` (Order id, e.g. …))."""
    description = str(prop.get("description", "")).strip().rstrip(".").replace("`", "")
    return f"{arg} ({description})" if description else arg
