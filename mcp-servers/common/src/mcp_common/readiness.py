"""Readiness: whether a process can serve now, from named checks run together, each under its own timeout,
the verdict kept for a moment.

Liveness (the process answers) needs no check and does no I/O. Readiness does I/O (a database, a vendor,
the services a process calls), so probes must not multiply it:

- every check runs under its own `timeout_s`, all of them at once: a round lasts at most the longest
  timeout, however many dependencies hang;
- one round at a time: a probe arriving while a round runs waits for that round (single flight);
- a finished round is reused for `ttl_s` when ready, `failed_ttl_s` (shorter) when not, so an instance
  coming up is seen ready soon while a storm of probes still costs at most one round per interval;
- a check whose last probe timed out and has not yet finished cancelling is not started again (it fails
  at once), so a frozen dependency holds one probe, never one per round.

```python
readiness = Readiness([Check("database", ping_database), Check("menu", menu_answers)])
report = await readiness.report()      # Report(ready=False, checks=(CheckResult("database", ok=False, ...), ...))
```

A check's probe returns an optional short detail, or raises to fail. What a failure says is safe to show
to whoever can reach the probe: the text of a `ProbeError` or a `ServiceError` (both written for
callers), "no answer within 1s", or the exception's type name, never the exception's own text (a driver's
message may quote a connection string).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from mcp_common.errors import ErrorCode, ServiceError

logger = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[str | None]]
"""One dependency's check: returns a short detail (or None) when it holds, raises when it does not."""

PROBE_EMAIL = "readiness-probe@example.invalid"
"""An address no account can have (`.invalid` is reserved): a vendor look-up of it answers `NOT_FOUND`."""


class ProbeError(Exception):
    """Raised by a probe with a short reason that is safe to show (no URL, no credential)."""


@dataclass(frozen=True)
class Check:
    """A named probe and how long it may take."""

    name: str
    probe: Probe
    timeout_s: float = 1.0


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str | None
    latency_ms: float


@dataclass(frozen=True)
class Report:
    """The outcome of one round: ready when every check held."""

    ready: bool
    checks: tuple[CheckResult, ...]

    @property
    def failed(self) -> list[str]:
        return [result.name for result in self.checks if not result.ok]


class Readiness:
    """The checks of one process, run as the module docstring says; `report()` is the only entry point."""

    def __init__(
        self,
        checks: Sequence[Check],
        *,
        ttl_s: float = 2.0,
        failed_ttl_s: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        names = [check.name for check in checks]
        if len(set(names)) != len(names):
            raise ValueError(f"readiness check names repeat: {names}")
        self.checks = tuple(checks)
        self.rounds = 0
        """Rounds run since start (each runs every check once)."""
        self._ttl_s, self._failed_ttl_s, self._clock = ttl_s, failed_ttl_s, clock
        self._last: Report | None = None
        self._expires = 0.0
        self._round: asyncio.Task[Report] | None = None
        self._lingering: dict[str, asyncio.Task[str | None]] = {}

    async def report(self) -> Report:
        """The last round's report while it is fresh, else the running round's, else a new round's."""
        if self._last is not None and self._clock() < self._expires:
            return self._last
        loop = asyncio.get_running_loop()
        current = self._round
        if current is None or current.get_loop() is not loop:
            current = self._round = loop.create_task(self._run())
        # Shielded: a prober that hangs up does not cancel the round the others wait for.
        return await asyncio.shield(current)

    async def _run(self) -> Report:
        try:
            self.rounds += 1
            results = await asyncio.gather(*(self._check(check) for check in self.checks))
            report = Report(ready=all(r.ok for r in results), checks=tuple(results))
            self._remember(report)
            return report
        finally:
            self._round = None

    def _remember(self, report: Report) -> None:
        previous, self._last = self._last, report
        self._expires = self._clock() + (self._ttl_s if report.ready else self._failed_ttl_s)
        if report.ready and previous is not None and not previous.ready:
            logger.info("ready again", extra={"event_type": "readiness", "ready": True})
        elif not report.ready and (previous is None or previous.ready or previous.failed != report.failed):
            reasons = "; ".join(f"{r.name}: {r.detail}" for r in report.checks if not r.ok)
            logger.warning("not ready: %s", reasons, extra={"event_type": "readiness", "ready": False})

    async def _check(self, check: Check) -> CheckResult:
        start = time.perf_counter()
        if self._still_running(check):
            return _result(check, start, ok=False, detail="the previous check has not finished yet")
        task = asyncio.ensure_future(check.probe())
        try:
            done, _ = await asyncio.wait({task}, timeout=check.timeout_s)
        except asyncio.CancelledError:
            task.cancel()
            raise
        if not done:  # not awaited after cancelling: a probe slow to cancel must not lengthen the round
            task.cancel()
            task.add_done_callback(_consume)
            self._lingering[check.name] = task
            return _result(check, start, ok=False, detail=f"no answer within {check.timeout_s:g}s")
        self._lingering.pop(check.name, None)
        return _outcome(check, start, task)

    def _still_running(self, check: Check) -> bool:
        """Whether the probe that last timed out for `check` is still running (on this event loop)."""
        lingering = self._lingering.get(check.name)
        return lingering is not None and not lingering.done() and lingering.get_loop() is asyncio.get_running_loop()


def reason(error: BaseException) -> str:
    """What a failed check says: a `ProbeError`'s or `ServiceError`'s text, else only the error's type."""
    if isinstance(error, ProbeError):
        return str(error)
    if isinstance(error, ServiceError):
        return error.message
    if isinstance(error, TimeoutError):
        return "timed out"
    return f"failed ({type(error).__name__})"


def answered(lookup: Callable[[], Awaitable[object]]) -> Probe:
    """A vendor probe: `lookup` (e.g. of `PROBE_EMAIL`) reached the vendor, authenticated, when it returns or
    raises `NOT_FOUND`; any other `ServiceError` (unreachable, credentials refused, rate limited) fails it."""

    async def probe() -> str | None:
        try:
            await lookup()
        except ServiceError as exc:
            if exc.code is not ErrorCode.NOT_FOUND:
                raise
        return None

    return probe


def _outcome(check: Check, start: float, task: asyncio.Task[str | None]) -> CheckResult:
    if task.cancelled():
        return _result(check, start, ok=False, detail="cancelled")
    error = task.exception()
    if error is not None:
        return _result(check, start, ok=False, detail=reason(error))
    return _result(check, start, ok=True, detail=task.result())


def _result(check: Check, start: float, *, ok: bool, detail: str | None) -> CheckResult:
    return CheckResult(check.name, ok, detail, round((time.perf_counter() - start) * 1000, 2))


def _consume(task: asyncio.Task[str | None]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved, so that asyncio does not log it as never retrieved
