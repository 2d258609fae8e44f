"""ResilientLLM: a per-attempt timeout, retries with exponential backoff and a circuit breaker
(`orchestrator.resilience.breaker`) around an `LLM`.

A "failed call" is one `generate` that failed after all its attempts, whatever the error. While the circuit is
open, calls fail at once with LLM_UNAVAILABLE (and are recorded as `skipped`), so the callers fall back to
the rules without waiting on a model that is down.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.llm.base import LLM, LLMCall, LLMRequest, LLMResponse, record_call
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
                    response = await self._attempt(request)
                except ServiceError as exc:
                    if exc.retryable and attempts <= self.retries:
                        await self._sleep(self.backoff_s * 2 ** (attempts - 1))
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

    async def _attempt(self, request: LLMRequest) -> LLMResponse:
        """One attempt; a timeout or an exception that is not a `ServiceError` (an adapter defect) becomes one."""
        try:
            async with asyncio.timeout(self.timeout_s):
                return await self.inner.generate(request)
        except ServiceError:
            raise
        except TimeoutError as exc:
            raise ServiceError(
                ErrorCode.LLM_UNAVAILABLE, f"{self.name} did not answer within {self.timeout_s:g}s"
            ) from exc
        except Exception as exc:
            logger.exception("model adapter %s failed unexpectedly", self.name)
            raise ServiceError(ErrorCode.INTERNAL, f"{self.name} failed ({type(exc).__name__})") from exc

    async def aclose(self) -> None:
        await self.inner.aclose()


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
