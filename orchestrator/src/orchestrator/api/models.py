"""Public request and response models of the HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

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


class ErrorResponse(BaseModel):
    """Returned (with HTTP 200 unless configured otherwise) when a request cannot be answered."""

    error: ErrorBody
    trace_id: str
    timestamp: datetime
