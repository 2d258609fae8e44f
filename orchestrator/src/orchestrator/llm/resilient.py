"""ResilientLLM: a per-attempt timeout, retries with exponential backoff and a circuit breaker
(`orchestrator.resilience.breaker`) around an `LLM`.

A "failed call" is one `generate` that failed after all its attempts, whatever the error. While the circuit is
open, calls fail at once with LLM_UNAVAILABLE (and are recorded as `skipped`), so the callers fall back to
the rules without waiting on a model that is down.

Inside a request, a call also keeps to its share of the request's budget (`orchestrator.resilience.budget`):
its attempts end by then, a retry is made only if a useful attempt still fits, and with too little time left
the call is skipped (LLM_UNAVAILABLE, recorded as `skipped`) without touching the breaker.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.llm.base import LLM, LLMCall, LLMRequest, LLMResponse, record_call
from orchestrator.resilience import budget as request_budget
from orchestrator.resilience.breaker import CircuitBreaker

logger = logging.getLogger(__name__)


class ResilientLLM:
    """Wraps an adapter: each attempt under `timeout_s`, up to `retries` extra attempts on retryable errors
    (RATE_LIMITED, LLM_UNAVAILABLE) after `backoff_s`, `2 * backoff_s`, ...; every call goes through the
    breaker and is recorded (`record_call`) with its outcome, latency, attempts and tokens."""

    def __init__(
        self,
        inner: LLM,
        *,
        timeout_s: float,
        retries: int,
        backoff_s: float,
        breaker: CircuitBreaker,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.timeout_s = timeout_s
        self.retries = max(0, retries)
        self.backoff_s = backoff_s
        self.breaker = breaker
        self._sleep = sleep

    async def generate(self, request: LLMRequest) -> LLMResponse:
        ends = self._ends(request)
        if not self.breaker.allow():
            record_call(LLMCall(request.purpose, self.name, "skipped", 0.0, 0, error="circuit open"))
            raise ServiceError(
                ErrorCode.LLM_UNAVAILABLE,
                f"model circuit is open; {self.name} is skipped until a trial call succeeds "
                f"(one is let through {self.breaker.cooldown_s:g}s after the last failure)",
            )
        started = time.perf_counter()
        attempts = 0
        try:
            while True:
                attempts += 1
                try:
                    response = await self._attempt(request, ends)
                except ServiceError as exc:
                    delay = self.backoff_s * 2 ** (attempts - 1)
                    if exc.retryable and attempts <= self.retries and _fits(ends, delay):
                        await self._sleep(delay)
                        continue
                    error = exc
                    break
                else:
                    self.breaker.success()
                    record_call(
                        LLMCall(
                            request.purpose,
                            self.name,
                            "ok",
                            _ms_since(started),
                            attempts,
                            response.usage.input_tokens,
                            response.usage.output_tokens,
                        )
                    )
                    return dataclasses.replace(response, attempts=attempts)
        except BaseException:
            # Cancelled mid-call: no verdict on the model.
            self.breaker.abandon()
            raise
        self.breaker.failure()
        record_call(LLMCall(request.purpose, self.name, "error", _ms_since(started), attempts, error=error.code.value))
        raise error

    def _ends(self, request: LLMRequest) -> float | None:
        """When the call must be over by (loop time) under the request's budget; None outside a request.

        Raises LLM_UNAVAILABLE, recorded as `skipped`, when the budget leaves too little for an attempt."""
        budget = request_budget.current()
        if budget is None:
            return None
        allowed = budget.for_model()
        if allowed <= 0:
            budget.mark_cut(request.purpose)
            record_call(LLMCall(request.purpose, self.name, "skipped", 0.0, 0, error="request budget spent"))
            raise ServiceError(
                ErrorCode.LLM_UNAVAILABLE,
                f"{self.name} is skipped: too little of the request's {budget.total_s:g}s budget is left",
            )
        return asyncio.get_running_loop().time() + allowed

    async def _attempt(self, request: LLMRequest, ends: float | None) -> LLMResponse:
        """One attempt; a timeout or an exception that is not a `ServiceError` (an adapter defect) becomes one."""
        timeout_s = self.timeout_s
        if ends is not None:
            timeout_s = min(timeout_s, ends - asyncio.get_running_loop().time())
        try:
            async with asyncio.timeout(timeout_s):
                return await self.inner.generate(request)
        except ServiceError:
            raise
        except TimeoutError as exc:
            within = f"{timeout_s:.3g}s"
            if timeout_s < self.timeout_s:
                budget = request_budget.current()
                if budget is not None:
                    budget.mark_cut(request.purpose)
                within += " (its share of the request's budget)"
            raise ServiceError(ErrorCode.LLM_UNAVAILABLE, f"{self.name} did not answer within {within}") from exc
        except Exception as exc:
            logger.exception("model adapter %s failed unexpectedly", self.name)
            raise ServiceError(ErrorCode.INTERNAL, f"{self.name} failed ({type(exc).__name__})") from exc

    async def aclose(self) -> None:
        await self.inner.aclose()


def _fits(ends: float | None, delay: float) -> bool:
    """Whether another attempt after `delay` still gets the least time worth trying within `ends`."""
    if ends is None:
        return True
    budget = request_budget.current()
    least = budget.config.min_model_s if budget is not None else 0.0
    return ends - asyncio.get_running_loop().time() - delay >= least


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
