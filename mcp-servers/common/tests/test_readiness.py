"""`Readiness`: checks run together under their own timeouts, one round at a time, the verdict kept a moment."""

from __future__ import annotations

import asyncio
import time

import anyio
import pytest

from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.readiness import PROBE_EMAIL, Check, ProbeError, Readiness, answered


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Counting:
    """A probe that counts its calls and answers what it is told to."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.calls = 0
        self.error = error

    async def __call__(self) -> str | None:
        self.calls += 1
        await asyncio.sleep(0)
        if self.error is not None:
            raise self.error
        return None


async def never() -> str | None:
    await asyncio.Event().wait()
    return None


async def test_ready_when_every_check_holds_and_each_check_is_reported() -> None:
    readiness = Readiness([Check("database", Counting()), Check("menu", Counting())])

    report = await readiness.report()

    assert report.ready and report.failed == []
    assert [(r.name, r.ok) for r in report.checks] == [("database", True), ("menu", True)]


async def test_a_failed_check_is_named_and_never_quotes_the_error_it_caught() -> None:
    leaky = ConnectionError("could not connect to postgresql://app:hunter2@db.internal:5432/menu")
    readiness = Readiness([Check("database", Counting(leaky)), Check("menu", Counting(ProbeError("menu is down")))])

    report = await readiness.report()

    assert not report.ready and report.failed == ["database", "menu"]
    assert [r.detail for r in report.checks] == ["failed (ConnectionError)", "menu is down"]
    assert "hunter2" not in str(report) and "db.internal" not in str(report)


async def test_a_check_may_say_a_short_detail_when_it_holds() -> None:
    report = await Readiness([Check("catalog", lambda: asyncio.sleep(0, "12 tools"))]).report()

    assert report.ready and report.checks[0].detail == "12 tools"


async def test_hanging_checks_cost_one_timeout_together_not_one_each() -> None:
    readiness = Readiness([Check(f"peer{n}", never, timeout_s=0.2) for n in range(5)])

    start = time.perf_counter()
    with anyio.fail_after(5):
        report = await readiness.report()
    elapsed = time.perf_counter() - start

    assert 0.2 <= elapsed < 0.6
    assert {r.detail for r in report.checks} == {"no answer within 0.2s"}


async def test_a_burst_of_probes_makes_one_round_and_a_fresh_report_is_reused() -> None:
    clock, probe = Clock(), Counting()
    readiness = Readiness([Check("database", probe)], ttl_s=2.0, clock=clock)

    reports = await asyncio.gather(*(readiness.report() for _ in range(50)))
    clock.now += 1.9
    again = await readiness.report()

    assert probe.calls == 1 and readiness.rounds == 1
    assert all(report is reports[0] for report in [*reports, again])
    clock.now += 0.2
    await readiness.report()
    assert probe.calls == 2


async def test_not_ready_is_kept_for_a_shorter_time_so_recovery_shows_soon() -> None:
    clock, probe = Clock(), Counting(ProbeError("down"))
    readiness = Readiness([Check("database", probe)], ttl_s=2.0, failed_ttl_s=0.5, clock=clock)

    assert not (await readiness.report()).ready
    probe.error = None
    clock.now += 0.4
    assert not (await readiness.report()).ready
    clock.now += 0.2

    assert (await readiness.report()).ready
    assert probe.calls == 2


async def test_a_probe_that_does_not_stop_when_cancelled_is_not_started_again_until_it_ends() -> None:
    clock, calls, release = Clock(), [0], asyncio.Event()

    async def stubborn() -> str | None:
        calls[0] += 1
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await release.wait()  # a driver finishing its own clean-up first
        return None

    readiness = Readiness([Check("vendor", stubborn, timeout_s=0.05)], clock=clock)
    with anyio.fail_after(5):
        first = await readiness.report()
        clock.now += 10
        second = await readiness.report()
        release.set()
        await asyncio.sleep(0.01)
        clock.now += 10
        await readiness.report()

    assert first.checks[0].detail == "no answer within 0.05s"
    assert second.checks[0].detail == "the previous check has not finished yet"
    assert calls[0] == 2


async def test_a_prober_that_hangs_up_does_not_cancel_the_round_of_the_others() -> None:
    gate, probe = asyncio.Event(), Counting()

    async def slow() -> str | None:
        await gate.wait()
        return await probe()

    readiness = Readiness([Check("database", slow)])
    impatient = asyncio.create_task(readiness.report())
    patient = asyncio.create_task(readiness.report())
    await asyncio.sleep(0)
    impatient.cancel()
    gate.set()

    with anyio.fail_after(5):
        report = await patient
    assert report.ready and probe.calls == 1


async def test_a_vendor_answering_not_found_for_the_probe_address_is_reachable() -> None:
    async def lookup(email: str) -> None:
        assert email == PROBE_EMAIL
        raise ServiceError(ErrorCode.NOT_FOUND, "no billing customer with that email")

    async def refused() -> None:
        raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, "Chargebee rejected the service's credentials")

    readiness = Readiness([Check("chargebee", answered(lambda: lookup(PROBE_EMAIL))), Check("crm", answered(refused))])
    report = await readiness.report()

    assert [(r.name, r.ok, r.detail) for r in report.checks] == [
        ("chargebee", True, None),
        ("crm", False, "Chargebee rejected the service's credentials"),
    ]


def test_check_names_are_unique() -> None:
    with pytest.raises(ValueError, match="repeat"):
        Readiness([Check("database", Counting()), Check("database", Counting())])
