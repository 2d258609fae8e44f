"""Test models: a scripted `LLM` answering from a list (or a function of the request), recording requests;
a hanging one that never answers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from mcp_common.errors import ServiceError
from orchestrator.llm.base import LLMRequest, LLMResponse, LLMUsage

Answer = str | dict[str, Any] | ServiceError | Callable[[LLMRequest], "str | dict[str, Any] | ServiceError"]


class ScriptedLLM:
    """Each `generate` takes the next scripted answer; the last one repeats once the script runs out.

    A dict is sent as JSON text; a `ServiceError` is raised; a callable is called with the request.
    Like the vendor adapters it records nothing itself: wrap it in `ResilientLLM` for the call record.
    """

    def __init__(self, *answers: Answer, name: str = "scripted:test") -> None:
        if not answers:
            raise ValueError("a scripted model needs at least one answer")
        self.answers = list(answers)
        self.name = name
        self.requests: list[LLMRequest] = []
        self.closed = False

    async def generate(self, request: LLMRequest) -> LLMResponse:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if callable(answer):
            answer = answer(request)
        if isinstance(answer, ServiceError):
            raise answer
        text = answer if isinstance(answer, str) else json.dumps(answer)
        return LLMResponse(text=text, model=self.name, usage=LLMUsage(len(request.prompt) // 4, len(text) // 4))

    async def aclose(self) -> None:
        self.closed = True

    def purposes(self) -> list[str]:
        return [r.purpose for r in self.requests]


class HangingLLM:
    """A model endpoint that accepts every call and never answers; counts the calls it was sent."""

    name = "hanging:test"

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.calls = 0

    async def generate(self, request: LLMRequest) -> LLMResponse:
        self.calls += 1
        self.started.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        return None
