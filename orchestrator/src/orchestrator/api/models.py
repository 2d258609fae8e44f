"""Public request and response models of the HTTP API.

The engine's own types (`core.requests`, `core.results`) stay free of HTTP; routes map these
bodies to them and back. `QueryResponse` is the engine's `Answer` as `/query` documents it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from mcp_common.emails import Email
from mcp_common.errors import ErrorBody, ErrorEnvelope
from orchestrator.core.results import Answer, AnswerTrace, BudgetTrace, LLMCallInfo


class QueryRequest(BaseModel):
    """A one-shot question asked on behalf of a user."""

    query: str = Field(min_length=1, max_length=2000, description="The question, in natural language.")
    email: Email = Field(description="The user the question is about; only their data is read.")

    @field_validator("query")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("query must not be blank")
        return value.strip()


class QueryTrace(AnswerTrace):
    """How the answer was made (the schema keeps the name clients generated code from)."""


class QueryResponse(Answer):
    """The answer, with where it came from and how sure the orchestrator is."""

    trace: QueryTrace | None = Field(default=None, description="How the answer was made.")


class ErrorResponse(ErrorEnvelope):
    """Returned (with HTTP 200 unless configured otherwise) when a request cannot be answered: the error
    envelope every app of the workspace answers with, under the name the API has always given it."""


class OrchestrateUser(BaseModel):
    email: Email = Field(description="The user the conversation acts for; only their data is read or changed.")


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
    latency_ms: float = Field(description="The call's round trip as the orchestrator timed it.")
    service_ms: float | None = Field(
        default=None, description="The service's own time handling the call, when it reported it."
    )
    status: Literal["ok", "error"]
    cached: bool
    error: ErrorBody | None = None


class Trace(BaseModel):
    trace_id: str
    session_id: str
    spans: list[Span]
    intent_source: str | None = Field(
        default=None, description="Who decided the intent: `rules`, `llm`, or `rules (fallback: <reason>)`."
    )
    llm_calls: list[LLMCallInfo] = Field(default_factory=list, description="Model calls made for this turn.")
    budget: BudgetTrace | None = Field(default=None, description="The turn's time budget and where it ran short.")


class OrchestrateResponse(BaseModel):
    """The reply to one message, the typed payload behind it, and what was called."""

    reply: str
    intent: str
    confidence: float = Field(ge=0.0, le=1.0, description="How sure the classifier was of the intent.")
    data: dict[str, Any] | None = Field(description="The typed payload of the main tool result, if any.")
    suggestions: list[str]
    session_id: str
    trace: Trace
