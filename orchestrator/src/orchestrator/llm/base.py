"""The `LLM` protocol every model adapter implements, and the per-request record of model calls.

```
LLM (protocol)                 generate(LLMRequest) -> LLMResponse, aclose()
 ├─ VertexGemma                google-genai SDK, Vertex AI (ADC or API-key express mode)
 ├─ OpenAICompatible           any chat-completions endpoint (vLLM, Ollama, llama.cpp, Vertex)
 └─ ResilientLLM               wraps one of the above: timeout, retries, circuit breaker
```

Adapters raise `ServiceError` only: RATE_LIMITED (429), LLM_UNAVAILABLE (5xx, timeouts, connection
errors, an open circuit), LLM_BAD_OUTPUT (no text in the answer), UNAUTHENTICATED / FORBIDDEN /
INVALID_REQUEST for 401 / 403 / other 4xx. Callers treat any of them as "use the rules instead".
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal, Protocol

from mcp_common.errors import ErrorCode, ServiceError

Purpose = Literal["plan", "synthesize", "intent", "repair"]


@dataclass(frozen=True)
class LLMRequest:
    """One model call: a system prompt (instructions) and a user prompt (which holds the data)."""

    system: str
    prompt: str
    purpose: Purpose
    max_output_tokens: int = 1024
    temperature: float = 0.0
    json_output: bool = True


@dataclass(frozen=True)
class LLMUsage:
    input_tokens: int | None = None
    output_tokens: int | None = None


@dataclass(frozen=True)
class LLMResponse:
    text: str
    model: str
    usage: LLMUsage = field(default_factory=LLMUsage)
    latency_ms: float = 0.0
    attempts: int = 1


class LLM(Protocol):
    """A text-generation model."""

    name: str

    async def generate(self, request: LLMRequest) -> LLMResponse: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class LLMCall:
    """What one model call cost, for the response trace and the decision record."""

    purpose: str
    model: str
    status: Literal["ok", "error", "skipped"]
    latency_ms: float
    attempts: int = 0
    input_tokens: int | None = None
    output_tokens: int | None = None
    error: str | None = None


_calls: ContextVar[list[LLMCall] | None] = ContextVar("llm_calls", default=None)


@contextlib.contextmanager
def recording_calls() -> Iterator[list[LLMCall]]:
    """Collect every model call made in this context (one request) into the yielded list."""
    calls: list[LLMCall] = []
    token = _calls.set(calls)
    try:
        yield calls
    finally:
        _calls.reset(token)


def recorded_calls() -> list[LLMCall]:
    """The model calls recorded so far in this context (empty outside `recording_calls()`)."""
    return _calls.get() or []


def record_call(call: LLMCall) -> None:
    """Add a call to the current request's record; a no-op outside `recording_calls()`."""
    calls = _calls.get()
    if calls is not None:
        calls.append(call)


def status_error(who: str, status: int | None, status_name: str | None = None) -> ServiceError:
    """The `ServiceError` for a model API's HTTP error status; the body is left out (it may quote the request)."""
    label = f"{who} answered HTTP {status}" + (f" {status_name}" if status_name else "")
    if status == 429:
        return ServiceError(ErrorCode.RATE_LIMITED, label)
    if status == 401:
        return ServiceError(ErrorCode.UNAUTHENTICATED, label)
    if status == 403:
        return ServiceError(ErrorCode.FORBIDDEN, label)
    if status == 408 or (status is not None and status >= 500):
        return ServiceError(ErrorCode.LLM_UNAVAILABLE, label)
    if status is not None and 400 <= status < 500:
        return ServiceError(ErrorCode.INVALID_REQUEST, label)
    return ServiceError(ErrorCode.LLM_BAD_OUTPUT, label)
