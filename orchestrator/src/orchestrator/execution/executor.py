"""Executor: run validated steps in parallel, each with a timeout, retries and a result cache.

- Every step is one task; all share an overall deadline. A step still running at the deadline
  is cancelled and reported as SERVICE_TIMEOUT; the others keep their results.
- An attempt has its own timeout. Read-only tools are retried on retryable errors with
  exponential backoff; tools that write are called exactly once.
- Results are validated against the tool's output schema; a mismatch fails that source as
  SERVICE_BAD_RESPONSE. Valid results of tools with a cache TTL are cached per user.
- Every call goes through its source's guard (`resilience.guard`: a circuit breaker and a bulkhead
  shared by all requests); a call the guard refuses fails at once and is not retried.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from mcp_common import tracing
from mcp_common.errors import ErrorBody, ErrorCode, ServiceError
from mcp_common.wire import CallContext
from orchestrator.observability import spans
from orchestrator.planning.validation import ValidatedStep
from orchestrator.resilience import budget as request_budget
from orchestrator.resilience.guard import CutShortError, GuardConfig, RejectedError, SourceGuards
from orchestrator.security.caller import Caller
from orchestrator.state.base import scoped_key
from orchestrator.state.cache import ALL, TieredCache
from orchestrator.state.flight import SingleFlight
from orchestrator.tools.catalog import Catalog
from orchestrator.tools.source import take_service_ms

logger = logging.getLogger(__name__)


class Deadline(NamedTuple):
    """When a request's tool calls must be over (event-loop time), and whether its budget set it earlier
    than `deadline_s`: a call the budget cut short says nothing about its source's health."""

    at: float
    by_budget: bool

    @property
    def what(self) -> str:
        return "the request's time budget" if self.by_budget else "the request deadline"


@dataclass(frozen=True)
class ExecutorConfig:
    call_timeout_s: float = 3.0
    deadline_s: float = 8.0
    retries: int = 2
    retry_backoff_s: float = 0.1
    cache_results: bool = True  # False: no tool result is cached (nor shared between concurrent reads)
    guard: GuardConfig = field(default_factory=GuardConfig)  # each source's breaker and bulkhead


@dataclass
class SourceResult:
    """The outcome of one step, as reported in `sources[]`."""

    service: str
    tool: str
    status: Literal["ok", "error"]
    latency_ms: float
    cached: bool = False
    attempts: int = 0
    result: dict[str, Any] | None = None
    error: ErrorBody | None = None
    arguments: dict[str, Any] = field(default_factory=dict)
    service_ms: float | None = None
    """The service's own time handling the (last) call, as it reported it; None when cached or not reported."""

    @property
    def name(self) -> str:
        return f"{self.service}.{self.tool}"


class Executor:
    """Runs the steps of one request against the catalog's sources."""

    def __init__(self, catalog: Catalog, cache: TieredCache, config: ExecutorConfig) -> None:
        self.catalog = catalog
        self.cache = cache
        self.config = config
        self._flights: SingleFlight[SourceResult] = SingleFlight()
        self.guards = SourceGuards(config.guard)

    async def run(self, steps: list[ValidatedStep], caller: Caller) -> list[SourceResult]:
        """One result per step, in step order, within the overall deadline (and the request's budget)."""
        if not steps:
            return []
        deadline_s, by_budget = self.config.deadline_s, False
        budget = request_budget.current()
        if budget is not None and (left := budget.for_tools(deadline_s)) < deadline_s:
            deadline_s, by_budget = left, True
        deadline = Deadline(asyncio.get_running_loop().time() + deadline_s, by_budget)
        tasks = [asyncio.create_task(self._run_step(step, caller, deadline)) for step in steps]
        _, pending = await asyncio.wait(tasks, timeout=deadline_s)
        for task in pending:
            task.cancel()
        results = []
        for step, task in zip(steps, tasks, strict=True):
            if task in pending:
                error = ServiceError(ErrorCode.SERVICE_TIMEOUT, f"{deadline.what} passed before it answered")
                results.append(_failed(step, error, deadline_s * 1000, attempts=1))
            else:
                results.append(task.result())
        if by_budget and budget is not None and any(_timed_out(r) for r in results):
            budget.mark_cut("execute")
        return results

    async def _run_step(self, step: ValidatedStep, caller: Caller, deadline: Deadline) -> SourceResult:
        with spans.tool_call(step) as span:
            return spans.tool_result(span, await self._step(step, caller, deadline))

    async def _step(self, step: ValidatedStep, caller: Caller, deadline: Deadline) -> SourceResult:
        start = time.perf_counter()
        key = await self._cache_key(step, caller)
        if key is None:
            return await self._live(step, caller, None, deadline)
        hit = await self.cache.get(key)
        if hit is not None:
            return _ok(step, json.loads(hit.value), tracing.elapsed_ms(start), cached=True, attempts=0)
        # Concurrent identical reads (same user, same generation, same arguments) make one call.
        result, joined = await self._flights.run(key, lambda: self._live(step, caller, key, deadline))
        if joined:
            shared = copy.deepcopy(result.result)  # each request owns its result
            return dataclasses.replace(result, result=shared, latency_ms=tracing.elapsed_ms(start), attempts=0)
        return result

    async def _live(self, step: ValidatedStep, caller: Caller, key: str | None, deadline: Deadline) -> SourceResult:
        start = time.perf_counter()
        outcome, attempts = await self._call_with_retries(step, caller, deadline)
        if step.tool.info.writes:
            # The write may have changed what is cached for this user (even when its answer was an
            # error or a timeout): their answers and the reads it declares start afresh.
            await self.cache.invalidate(caller.tenant, caller.user, step.tool.info.invalidates)
        if isinstance(outcome, ServiceError):
            failed = _failed(step, outcome, tracing.elapsed_ms(start), attempts=attempts)
            failed.service_ms = take_service_ms()
            return failed
        result = outcome
        if key:
            await self.cache.set(key, json.dumps(result).encode(), step.tool.info.cache_ttl_s)
        ok = _ok(step, result, tracing.elapsed_ms(start), cached=False, attempts=attempts)
        ok.service_ms = take_service_ms()
        return ok

    async def _call_with_retries(
        self, step: ValidatedStep, caller: Caller, deadline: Deadline
    ) -> tuple[dict[str, Any] | ServiceError, int]:
        attempts = 1 if step.tool.info.writes else 1 + self.config.retries
        delay = self.config.retry_backoff_s
        for attempt in range(1, attempts + 1):
            try:
                return await self._call_once(step, caller, deadline), attempt
            except ServiceError as exc:
                late = asyncio.get_running_loop().time() + delay >= deadline.at  # no time left for another try
                if not exc.retryable or attempt == attempts or isinstance(exc, RejectedError) or late:
                    return exc, attempt
                logger.info(
                    "retrying %s after %s", step.tool.name, exc.code.value,
                    extra={"event_type": "tool_retry", "attempt": attempt, "tool": step.tool.name},
                )  # fmt: skip
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    async def _call_once(self, step: ValidatedStep, caller: Caller, deadline: Deadline) -> dict[str, Any]:
        ctx = tracing.current()
        context = CallContext(
            trace_id=ctx.trace_id if ctx else None,
            span_id=ctx.span_id if ctx else None,
            session_id=ctx.session_id if ctx else None,
            tenant=caller.tenant,
            caller=caller.email,
        )
        source = self.catalog.source(step.tool.service)
        take_service_ms()  # an earlier attempt's report is not this one's
        async with self.guards.get(step.tool.service).admit(deadline.at, blame_deadline=not deadline.by_budget):
            # The attempt ends at its own timeout or at the request's deadline, whichever comes first.
            own = asyncio.get_running_loop().time() + self.config.call_timeout_s
            ends = min(own, deadline.at)
            try:
                async with asyncio.timeout_at(ends):
                    result = await source.call(step.tool.info.name, step.arguments, context)
            except TimeoutError as exc:
                if deadline.by_budget and ends < own:  # the budget ended it, not the source's own timeout
                    raise CutShortError(ErrorCode.SERVICE_TIMEOUT, f"{step.tool.name}: {deadline.what} passed") from exc
                raise ServiceError(ErrorCode.SERVICE_TIMEOUT, f"{step.tool.name} did not answer in time") from exc
        errors = step.tool.output_errors(result)
        if errors:
            raise ServiceError(
                ErrorCode.SERVICE_BAD_RESPONSE,
                f"{step.tool.name} returned data that does not match its schema",
            )
        return result

    async def _cache_key(self, step: ValidatedStep, caller: Caller) -> str | None:
        if not self.config.cache_results or step.tool.info.writes or step.tool.info.cache_ttl_s <= 0:
            return None
        args = json.dumps(step.arguments, sort_keys=True, default=str)
        scope = step.tool.info.cache_scope or step.tool.service
        generation = await self.cache.generation(caller.tenant, caller.user, (ALL, scope))
        return scoped_key("tool", tenant=caller.tenant, user=caller.user, parts=(generation, step.tool.name, args))


def _timed_out(result: SourceResult) -> bool:
    return result.error is not None and result.error.code is ErrorCode.SERVICE_TIMEOUT


def _ok(step: ValidatedStep, result: dict[str, Any], ms: float, *, cached: bool, attempts: int) -> SourceResult:
    return SourceResult(
        step.tool.service, step.tool.info.name, "ok", ms, cached, attempts, result, None, step.arguments
    )


def _failed(step: ValidatedStep, exc: ServiceError, ms: float, *, attempts: int) -> SourceResult:
    return SourceResult(
        step.tool.service,
        step.tool.info.name,
        "error",
        ms,
        False,
        attempts,
        None,
        exc.to_body(),
        step.arguments,
    )
