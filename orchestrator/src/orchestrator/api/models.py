"""Public request and response models of the HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, EmailStr, Field, field_validator

from mcp_common.errors import ErrorBody


class QueryRequest(BaseModel):
    """A one-shot question asked on behalf of a user."""

    query: str = Field(min_length=1, max_length=2000, description="The question, in natural language.")
    email: EmailStr = Field(description="The user the question is about; only their data is read.")

    @field_validator("query")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("query must not be blank")
        return value.strip()


class Source(BaseModel):
    """One tool call that contributed to (or failed for) the answer."""

    service: str
    tool: str
    status: Literal["ok", "error"]
    cached: bool
    latency_ms: float
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


class QueryTrace(BaseModel):
    """How the answer was made: which planner and synthesizer, model calls, fallbacks."""

    planner: str = Field(description="`llm`, `rules`, or `answer-cache` when the whole answer was cached.")
    plan_cached: bool = Field(default=False, description="Whether the model's plan came from the plan cache.")
    synthesizer: str = Field(description="`llm`, `templates`, or `answer-cache`.")
    fallbacks: list[str] = Field(
        default_factory=list, description="Steps where the model failed and the rules took over, with the reason."
    )
    llm_calls: list[LLMCallInfo] = Field(default_factory=list)
    prompt_versions: dict[str, str] = Field(default_factory=dict, description="Prompt versions behind this answer.")
    shared_flight: bool = Field(
        default=False,
        description="The same question of the same caller was being answered when this request arrived: it "
        "received that answer instead of planning and calling again.",
    )


class QueryResponse(BaseModel):
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
    trace: QueryTrace | None = Field(default=None, description="How the answer was made.")


class ErrorResponse(BaseModel):
    """Returned (with HTTP 200 unless configured otherwise) when a request cannot be answered."""

    error: ErrorBody
    trace_id: str
    timestamp: datetime


class OrchestrateUser(BaseModel):
    email: EmailStr = Field(description="The user the conversation acts for; only their data is read or changed.")


class OrchestrateRequest(BaseModel):
    """One message of a conversation, from any channel."""

    channel: str = Field(
        min_length=1, max_length=32, pattern=r"^[a-z0-9_-]+$", description="Where the message came from: web, …"
    )
    session_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.:-]{8,128}$",
        description="The conversation to continue; omit to start one (the response carries its id).",
    )
    message: str = Field(min_length=1, max_length=2000, description="What the user said.")
    user: OrchestrateUser
    metadata: dict[str, str | int | float | bool | None] | None = Field(
        default=None, max_length=20, description="Channel details (message id, locale, …); logged, not interpreted."
    )

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("message must not be blank")
        return value.strip()


class Span(BaseModel):
    """One tool call made for this turn."""

    service: str
    tool: str
    latency_ms: float
    status: Literal["ok", "error"]
    cached: bool
    error: ErrorBody | None = None


class Trace(BaseModel):
    trace_id: str
    session_id: str
    spans: list[Span]


class OrchestrateResponse(BaseModel):
    """The reply to one message, the typed payload behind it, and what was called."""

    reply: str
    intent: str
    confidence: float = Field(ge=0.0, le=1.0, description="How sure the classifier was of the intent.")
    data: dict[str, Any] | None = Field(description="The typed payload of the main tool result, if any.")
    suggestions: list[str]
    session_id: str
    trace: Trace
