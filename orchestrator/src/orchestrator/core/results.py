"""What the engine answers: one `Answer` per request, whatever the entry point.

`/query` and the MCP `ask` tool send an `Answer` as it is; `/orchestrate` maps it to its reply
shape. The conversation fields (`intent`, `data`, `suggestions`, `session_id`) are set for turns
and tool calls and are left out when an answer is serialised, so the `/query` body and the answer
cache hold the one-shot fields only. MCP tool calls send `data`, or the error of their source.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from mcp_common.errors import ErrorBody


class Source(BaseModel):
    """One tool call that contributed to (or failed for) the answer."""

    service: str
    tool: str
    status: Literal["ok", "error"]
    cached: bool
    latency_ms: float = Field(description="The call's round trip as the orchestrator timed it, retries included.")
    service_ms: float | None = Field(
        default=None,
        description="The service's own time handling the call (its `Server-Timing: app;dur=`), without the "
        "network and the orchestrator's work: `latency_ms - service_ms` is the cost of the hop. Absent when the "
        "result came from the tool-result cache, no reply came, or the source does not report it.",
    )
    error: ErrorBody | None = None


class LLMCallInfo(BaseModel):
    """One model call made for this answer."""

    purpose: str = Field(description="`plan`, `synthesize`, `intent` or `repair`.")
    model: str
    status: Literal["ok", "error", "skipped"] = Field(description="`skipped`: the model's circuit was open.")
    latency_ms: float
    attempts: int
    input_tokens: int | None = None
    output_tokens: int | None = None
    error: str | None = None


class BudgetTrace(BaseModel):
    """The request's time budget and where it ran short."""

    budget_ms: float = Field(description="The request's time budget (`ORCH_BUDGET_*_S`).")
    spent_ms: float = Field(description="How much of it the request had used when the answer was made.")
    cut: list[str] = Field(
        default_factory=list,
        description="Stages the budget cut short, in order: `plan`, `intent`, `repair` or `synthesize` (a model "
        "call stopped at its share or skipped, the fallback answered), `execute` (tool calls stopped).",
    )


class AnswerTrace(BaseModel):
    """How the answer was made: which planner and synthesizer, model calls, fallbacks."""

    planner: str = Field(description="`llm`, `rules`, or `answer-cache` when the whole answer was cached.")
    plan_cached: bool = Field(default=False, description="Whether the model's plan came from the plan cache.")
    synthesizer: str = Field(description="`llm`, `templates`, or `answer-cache`.")
    fallbacks: list[str] = Field(
        default_factory=list, description="Steps where the model failed and the rules took over, with the reason."
    )
    llm_calls: list[LLMCallInfo] = Field(default_factory=list)
    prompt_versions: dict[str, str] = Field(default_factory=dict, description="Prompt versions behind this answer.")
    answer_cache: str | None = Field(
        default=None,
        description="Whether this answer was kept in the answer cache and for how long, or why not: `stored for "
        "60 s`, `not cached: tracking.get_order_status does not cache` (a tool whose results are never cached: "
        "live data or a write), `not cached: hubspot.list_tickets failed`, `not cached: the answer cache is off`. "
        "Unset on an answer served from the cache.",
    )
    budget: BudgetTrace | None = Field(default=None, description="The request's time budget and where it ran short.")
    shared_flight: bool = Field(
        default=False,
        description="The same question of the same caller was being answered when this request arrived: it "
        "received that answer instead of planning and calling again.",
    )


class Answer(BaseModel):
    """The answer, with where it came from and how sure the orchestrator is."""

    answer: str
    sources: list[Source]
    confidence: float = Field(ge=0.0, le=1.0)
    cached: bool
    cache_layer: Literal["memory", "shared"] | None = Field(
        default=None, description="Which cache layer served the answer, when `cached` is true."
    )
    timestamp: datetime = Field(description="When this response was produced (UTC).")
    trace_id: str
    trace: AnswerTrace | None = Field(default=None, description="How the answer was made.")
    intent: str | None = Field(default=None, exclude=True, description="A turn's intent.")
    intent_source: str | None = Field(
        default=None, exclude=True, description="Who decided the intent: `rules`, `llm`, `rules (fallback: …)`."
    )
    data: dict[str, Any] | None = Field(default=None, exclude=True, description="The typed payload behind it.")
    suggestions: list[str] = Field(default_factory=list, exclude=True, description="What the user may say next.")
    session_id: str | None = Field(default=None, exclude=True, description="The conversation of a turn.")
