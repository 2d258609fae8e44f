"""A source's guard: its circuit breaker's states and its bulkhead (`orchestrator.resilience.guard`)."""

from __future__ import annotations

import asyncio

import pytest

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.resilience.guard import GuardConfig, RejectedError, SourceGuard


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Source:
    """Counts calls; each one ends as the next outcome says (`None`: success) or waits on `gate`."""

    def __init__(self) -> None:
        self.calls = 0
        self.gate: asyncio.Event | None = None

    async def call(self, guard: SourceGuard, outcome: ErrorCode | None = None, deadline: float | None = None) -> str:
        async with guard.admit(deadline):
            self.calls += 1
            if self.gate is not None:
                await self.gate.wait()
            if outcome is not None:
                raise ServiceError(outcome, "boom")
        return "ok"


async def _fail(source: Source, guard: SourceGuard, code: ErrorCode = ErrorCode.SERVICE_TIMEOUT) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        await source.call(guard, code)
    return info.value


async def test_the_breaker_opens_fails_fast_admits_one_probe_and_closes_or_reopens() -> None:
    clock, source = Clock(), Source()
    guard = SourceGuard("crm", GuardConfig(failures=3, cooldown_s=5.0, max_concurrency=8), clock)

    # Answers that show a healthy source never count, and a success restarts the count.
    await _fail(source, guard, ErrorCode.SERVICE_TIMEOUT)
    await _fail(source, guard, ErrorCode.SERVICE_UNAVAILABLE)
    await _fail(source, guard, ErrorCode.NOT_FOUND)
    await _fail(source, guard, ErrorCode.INVALID_REQUEST)
    await _fail(source, guard, ErrorCode.SERVICE_TIMEOUT)
    await _fail(source, guard, ErrorCode.SERVICE_UNAVAILABLE)
    assert guard.state().circuit == "closed"
    await _fail(source, guard, ErrorCode.SERVICE_TIMEOUT)  # three in a row
    assert guard.state().circuit == "open" and guard.state().opens == 1

    # Open: fails at once without calling the source, retryable, "circuit open".
    calls = source.calls
    refused = await _fail(source, guard)
    assert isinstance(refused, RejectedError) and source.calls == calls
    assert refused.code == ErrorCode.SERVICE_UNAVAILABLE and refused.retryable and "circuit open" in str(refused)

    # After the cooldown: one probe goes through, concurrent calls still fail fast.
    clock.now = 5.0
    assert guard.state().circuit == "half_open"
    source.gate = asyncio.Event()
    probe = asyncio.create_task(source.call(guard))
    await asyncio.sleep(0)
    others = await asyncio.gather(*(source.call(guard) for _ in range(5)), return_exceptions=True)
    assert all(isinstance(o, RejectedError) for o in others) and source.calls == calls + 1
    source.gate.set()
    assert await probe == "ok"
    assert guard.state().circuit == "closed"
    source.gate = None

    # Open again; a failed probe re-opens it for another cooldown.
    for _ in range(3):
        await _fail(source, guard)
    assert guard.state().opens == 2
    clock.now = 10.0
    await _fail(source, guard, ErrorCode.SERVICE_TIMEOUT)  # the probe
    assert guard.state().circuit == "open" and guard.state().opens == 3
    assert isinstance(await _fail(source, guard), RejectedError)
    # A probe answered with NOT_FOUND shows the source is up: closed.
    clock.now = 15.0
    await _fail(source, guard, ErrorCode.NOT_FOUND)
    assert guard.state().circuit == "closed"


async def test_a_cancelled_probe_gives_its_turn_back_and_a_call_cut_by_the_deadline_counts() -> None:
    clock, source = Clock(), Source()
    guard = SourceGuard("crm", GuardConfig(failures=1, cooldown_s=1.0, max_concurrency=8), clock)
    await _fail(source, guard)
    clock.now = 1.0
    source.gate = asyncio.Event()
    probe = asyncio.create_task(source.call(guard))  # no deadline: cancelling it is no verdict
    await asyncio.sleep(0)
    probe.cancel()
    await asyncio.gather(probe, return_exceptions=True)
    assert guard.state().circuit == "half_open"
    loop = asyncio.get_running_loop()
    cut = asyncio.create_task(source.call(guard, deadline=loop.time() + 0.01))  # the next probe
    await asyncio.sleep(0.05)
    cut.cancel()  # as the executor does at the request deadline
    await asyncio.gather(cut, return_exceptions=True)
    assert guard.state().circuit == "open" and guard.state().opens == 2


async def test_the_bulkhead_bounds_calls_in_flight_and_refuses_at_the_deadline() -> None:
    source = Source()
    guard = SourceGuard("slow", GuardConfig(failures=3, cooldown_s=5.0, max_concurrency=2))
    source.gate = asyncio.Event()
    loop = asyncio.get_running_loop()
    held = [asyncio.create_task(source.call(guard)) for _ in range(2)]
    await asyncio.sleep(0)
    assert guard.in_flight == 2
    start = loop.time()
    with pytest.raises(RejectedError, match="too many calls in flight") as info:
        await source.call(guard, deadline=start + 0.2)
    assert info.value.code == ErrorCode.SERVICE_UNAVAILABLE
    assert 0.1 < loop.time() - start < 0.3 and source.calls == 2
    waiting = asyncio.create_task(source.call(guard, deadline=loop.time() + 5))
    await asyncio.sleep(0.01)
    source.gate.set()  # slots free up: the waiting call gets one
    assert await asyncio.gather(*held, waiting) == ["ok", "ok", "ok"]
    assert guard.in_flight == 0 and guard.state().circuit == "closed" and guard.state().rejected == 1


async def test_a_probe_still_running_a_cooldown_later_lets_one_more_through_and_its_success_closes() -> None:
    clock, source = Clock(), Source()
    guard = SourceGuard("crm", GuardConfig(failures=1, cooldown_s=1.5, max_concurrency=8), clock)
    await _fail(source, guard)
    clock.now = 1.5
    source.gate = asyncio.Event()  # the source is slow: the first probe hangs
    slow_probe = asyncio.create_task(source.call(guard))
    await asyncio.sleep(0)
    clock.now = 2.9  # less than a cooldown since that probe started: calls still fail fast
    assert isinstance(await _fail(source, guard), RejectedError)
    clock.now = 3.0  # a cooldown since: one more probe goes through; the source is quick again
    source.gate = None
    assert await source.call(guard) == "ok"
    assert guard.state().circuit == "closed" and source.calls == 3
    slow_probe.cancel()
    await asyncio.gather(slow_probe, return_exceptions=True)
    assert guard.state().circuit == "closed"
