"""Run: one request on its way down the path, and everything decided for it so far.

The engine creates it, the planner and the renderer of the request's kind read and extend it,
and the response and the decision record are drawn from it, so every entry point reports the
same facts the same way.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mcp_common import tracing
from orchestrator.core.requests import Request, ToolCall
from orchestrator.core.results import BudgetTrace, LLMCallInfo, Source
from orchestrator.execution.executor import SourceResult
from orchestrator.llm.base import LLMCall
from orchestrator.planning.base import Plan
from orchestrator.planning.validation import RejectedStep, ValidatedStep
from orchestrator.resilience.budget import Budget
from orchestrator.security.caller import Caller
from orchestrator.state.sessions import Session


@dataclass(frozen=True)
class Rendered:
    """What a renderer made of a run's results."""

    text: str
    confidence: float
    renderer: str
    fallback: str | None = None
    data: dict[str, Any] | None = None
    suggestions: tuple[str, ...] = ()
    intent: str | None = None


@dataclass
class Run:
    """The state of one request; `state` is the planner's own (a conversation's turn)."""

    request: Request
    caller: Caller
    kind: str
    trace_id: str
    started: float
    session: Session | None = None
    state: object | None = None
    plans: list[Plan] = field(default_factory=list)
    steps: list[ValidatedStep] = field(default_factory=list)
    results: list[SourceResult] = field(default_factory=list)
    rejected: list[RejectedStep] = field(default_factory=list)
    outcomes: list[SourceResult] = field(default_factory=list)
    calls: list[SourceResult] = field(default_factory=list)
    llm_calls: list[LLMCall] = field(default_factory=list)
    cache_key: str | None = None
    cache_layer: str | None = None
    notes: dict[str, Any] = field(default_factory=dict)
    stage_ms: dict[str, float] = field(default_factory=dict)
    """Milliseconds spent per stage of the path (`session`, `plan`, `execute`, `render`), summed over stages."""
    budget: Budget | None = None
    """The request's time budget, when its route has one."""

    @contextlib.contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """Add the block's duration to `stage_ms[stage]` (and name the stage the budget is being spent on)."""
        if self.budget is not None:
            self.budget.stage = stage
        start = time.perf_counter()
        try:
            yield
        finally:
            self.stage_ms[stage] = round(self.stage_ms.get(stage, 0.0) + tracing.elapsed_ms(start), 3)

    @property
    def text(self) -> str:
        """What the user said or asked; a tool call's name."""
        request = self.request
        return request.tool if isinstance(request, ToolCall) else request.text

    @property
    def plan(self) -> Plan | None:
        """The latest plan (stage) of the run."""
        return self.plans[-1] if self.plans else None

    def add_stage(self, plan: Plan, checked: list[ValidatedStep | RejectedStep], ran: list[SourceResult]) -> None:
        """Record one executed stage: `ran` holds one result per distinct validated step of `checked`.

        `outcomes` becomes the stage's result per plan step (a refused step as an error that never
        ran, identical steps sharing one result); `calls` gains each distinct one, in plan order.
        """
        distinct: dict[str, ValidatedStep] = {}
        for step in checked:
            if isinstance(step, ValidatedStep):
                distinct.setdefault(step.key, step)
        by_key = dict(zip(distinct, ran, strict=True))
        self.plans.append(plan)
        self.steps += distinct.values()
        self.results += ran
        self.outcomes = []
        seen: set[int] = set()
        for step in checked:
            if isinstance(step, RejectedStep):
                self.rejected.append(step)
                outcome = rejected_result(step)
            else:
                outcome = by_key[step.key]
            self.outcomes.append(outcome)
            if id(outcome) not in seen:
                seen.add(id(outcome))
                self.calls.append(outcome)

    def sources(self) -> list[Source]:
        """Every call made (or refused) for the request, in plan order."""
        return [_source(call) for call in self.calls]

    def budget_trace(self) -> BudgetTrace | None:
        budget = self.budget
        if budget is None:
            return None
        return BudgetTrace(budget_ms=budget.total_s * 1000, spent_ms=budget.spent_ms(), cut=list(budget.cut))

    def llm_call_infos(self) -> list[LLMCallInfo]:
        return [LLMCallInfo.model_validate(call, from_attributes=True) for call in self.llm_calls]


def rejected_result(step: RejectedStep) -> SourceResult:
    """A step refused by validation, reported like a call that failed without running."""
    service, _, tool = step.tool.partition(".")
    return SourceResult(service, tool or service, "error", 0.0, error=step.error)


def _source(result: SourceResult) -> Source:
    return Source(
        service=result.service,
        tool=result.tool,
        status=result.status,
        cached=result.cached,
        latency_ms=result.latency_ms,
        service_ms=result.service_ms,
        error=result.error,
    )
