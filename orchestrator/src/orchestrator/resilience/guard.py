"""A guard per tool source: a circuit breaker and a bulkhead, shared by every request of the instance.

- Breaker (`CircuitBreaker`): `failures` calls in a row that time out or find the source unavailable
  (SERVICE_TIMEOUT, SERVICE_UNAVAILABLE, or still running at the request's deadline) open it; while
  open a call fails at once with a retryable SERVICE_UNAVAILABLE ("circuit open") without touching
  the network; `cooldown_s` after it opened one trial call goes through (concurrent ones still fail
  fast): its success closes the circuit, its failure re-opens it. Any other answer (NOT_FOUND,
  INVALID_REQUEST, a bad reply…) shows the source is reachable and counts as a success.
- Bulkhead: at most `max_concurrency` calls to the source at once; a call that gets no slot before
  its deadline fails with SERVICE_UNAVAILABLE ("too many calls in flight"), and says nothing about
  the source's health.

Guards refuse with `RejectedError` (a `ServiceError`): the executor does not retry those in the same request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.resilience.breaker import BreakerState, CircuitBreaker

SOURCE_FAILURES = frozenset({ErrorCode.SERVICE_TIMEOUT, ErrorCode.SERVICE_UNAVAILABLE})
"""The outcomes that say the source is unhealthy; every other answer says it is reachable."""

SLOT_MARGIN_S = 0.02
"""A call waiting for a slot gives up this long before the deadline, so it reports why it failed."""


class RejectedError(ServiceError):
    """A call a source's guard refused before it reached the source (circuit open, bulkhead full)."""


class CutShortError(ServiceError):
    """A call ended by its request's time budget before its own timeout: no verdict on the source."""


@dataclass(frozen=True)
class GuardConfig:
    failures: int = 3
    cooldown_s: float = 1.5
    max_concurrency: int = 32


@dataclass(frozen=True)
class GuardState:
    """What `/health` shows of one source's guard."""

    circuit: BreakerState
    opens: int
    in_flight: int
    max_concurrency: int
    rejected: int


class SourceGuard:
    """The breaker and the bulkhead of one source; one event loop (not thread-safe)."""

    def __init__(self, name: str, config: GuardConfig, clock: Callable[[], float] = time.monotonic) -> None:
        if config.max_concurrency < 1:
            raise ValueError("a bulkhead needs max_concurrency >= 1")
        self.name = name
        self.breaker = CircuitBreaker(config.failures, config.cooldown_s, clock)
        self.max_concurrency = config.max_concurrency
        self._slots = asyncio.Semaphore(config.max_concurrency)
        self.in_flight = 0
        self.rejected = 0
        """Calls refused since start (circuit open or no slot)."""

    def state(self) -> GuardState:
        b = self.breaker
        return GuardState(b.state, b.opens, self.in_flight, self.max_concurrency, self.rejected)

    @asynccontextmanager
    async def admit(self, deadline: float | None = None, *, blame_deadline: bool = True) -> AsyncIterator[None]:
        """Hold a slot for one call to the source, recording its outcome in the breaker.

        `deadline` (event-loop time): when the request's deadline passes; a slot is waited for until
        just before it, and a call cancelled once it has passed counts as a timeout unless
        `blame_deadline` is false (the request's budget, not the source, set that deadline).
        """
        if not self.breaker.allow():
            self.rejected += 1
            raise RejectedError(
                ErrorCode.SERVICE_UNAVAILABLE,
                f"{self.name}: circuit open after {self.breaker.failures} failed calls in a row "
                f"(a trial call is let through {self.breaker.cooldown_s:g}s after it opened)",
            )
        trial = self.breaker.state == "half_open"  # allow() let this call through as the one trial
        try:
            await self._acquire(deadline)
        except BaseException:
            if trial:
                self.breaker.abandon()
            raise
        self.in_flight += 1
        try:
            yield
        except ServiceError as exc:
            self._verdict(ok=None if isinstance(exc, CutShortError) else exc.code not in SOURCE_FAILURES, trial=trial)
            raise
        except asyncio.CancelledError:
            passed = deadline is not None and asyncio.get_running_loop().time() >= deadline
            self._verdict(ok=False if passed and blame_deadline else None, trial=trial)
            raise
        except BaseException:
            self._verdict(ok=None, trial=trial)
            raise
        else:
            self._verdict(ok=True, trial=trial)
        finally:
            self.in_flight -= 1
            self._slots.release()

    async def _acquire(self, deadline: float | None) -> None:
        if not self._slots.locked():
            await self._slots.acquire()
            return
        try:
            if deadline is None:
                await self._slots.acquire()
            else:
                async with asyncio.timeout_at(deadline - SLOT_MARGIN_S):
                    await self._slots.acquire()
        except TimeoutError:
            self.rejected += 1
            raise RejectedError(
                ErrorCode.SERVICE_UNAVAILABLE,
                f"{self.name}: too many calls in flight ({self.max_concurrency}); none ended before the deadline",
            ) from None

    def _verdict(self, *, ok: bool | None, trial: bool) -> None:
        """`ok`: the source answered; False: it failed; None: no verdict (the call was cancelled early)."""
        if ok is None:
            if trial:
                self.breaker.abandon()
        elif ok:
            self.breaker.success()
        else:
            self.breaker.failure()


class SourceGuards:
    """The guard of every source, made on first use; names come from the catalog (bounded)."""

    def __init__(self, config: GuardConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._clock = clock
        self._guards: dict[str, SourceGuard] = {}

    def get(self, name: str) -> SourceGuard:
        guard = self._guards.get(name)
        if guard is None:
            guard = self._guards[name] = SourceGuard(name, self.config, self._clock)
        return guard

    def states(self) -> dict[str, GuardState]:
        return {name: guard.state() for name, guard in sorted(self._guards.items())}


__all__ = ["SOURCE_FAILURES", "GuardConfig", "GuardState", "RejectedError", "SourceGuard", "SourceGuards"]
