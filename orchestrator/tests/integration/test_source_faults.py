"""A source that fails under a load of 20 concurrent clients: the orchestrator answers everyone within
the budget, fails fast once the source's circuit opens, and serves normally again after the fault.

Real processes on loopback: chargebee (the source that fails) and hubspot (a healthy one) behind a real
orchestrator (deadline 1 s, circuit cooldown 1.5 s, no caches), asked questions needing chargebee,
hubspot or both. Four faults of 3 s each: chargebee frozen (SIGSTOP, then SIGCONT), killed (SIGKILL,
then started again on its port), answering 500 and slowed to 3 s a call (a fault proxy in front of
it). Each asserts, from the answers alone:

1. every request is answered (200 and an answer), each within the budget (deadline + 0.5 s);
2. while the fault lasts, every answer that needed chargebee names it in `sources[]` with a retryable
   error, and every answer that needed only hubspot is whole;
3. once an answer has shown chargebee failing, the requests needing it answer in p50 ≤ 50 ms: its circuit
   opened (as /metrics shows) and at least 20 answers say `circuit open`;
4. chargebee answers again within 2 s of the fault's end (or of the cooldown's end, when later), and
   every answer needing it is whole from then on.

`bench/faults.py` runs the same scenarios at full scale (10 s faults, production deadline).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import pytest

from mcp_devtools.faults import BreakerWatch, FaultProxy, FaultRun, Figures, Load, Outcome, run_fault
from mcp_devtools.stack import DEFAULT_SERVICES, Stack, run_stack
from mcp_devtools.testing import free_port, free_ports

DEADLINE_S = 1.0
BUDGET_S = DEADLINE_S + 0.5
COOLDOWN_S = 1.5
FAULT_S = 3.0
SLOW_S = 3.0
CLIENTS = 20
THINK_S = 0.25  # each client's mean pause between an answer and its next question (~80 requests/s in all)
VICTIM, HEALTHY = "chargebee", "hubspot"
QUESTIONS = (
    "what plan am I on?",
    "what invoices do I have?",
    "do I have open deals?",
    "who is my account owner?",
    "what plan am I on, and do I have open deals?",
    "what is my billing address and do I have open tickets?",
)
USERS = ("ada@example.com", "grace@example.com", "linus@example.com")
ORCHESTRATOR_ENV = {
    "ORCH_DEADLINE_S": str(DEADLINE_S),
    "ORCH_SOURCE_BREAKER_FAILURES": "3",
    "ORCH_SOURCE_BREAKER_COOLDOWN_S": str(COOLDOWN_S),
    "ORCH_TOOL_CACHE": "false",
    "ORCH_ANSWER_TTL_S": "0",
    "ORCH_CATALOG_REFRESH_S": "3600",
    "ORCH_STATE_BACKEND": "memory",
    "ORCH_LOG_LEVEL": "WARNING",
}


def question(n: int) -> dict[str, str]:
    return {"query": QUESTIONS[n % len(QUESTIONS)], "email": USERS[(n // len(QUESTIONS)) % len(USERS)]}


def answered(o: Outcome) -> bool:
    return o.status == 200 and "error" not in o.body and bool(o.body.get("answer"))


def met_open(o: Outcome) -> bool:
    source = o.source(VICTIM)
    return source is not None and source["status"] == "error" and "circuit open" in source["error"]["message"]


def healthy(o: Outcome) -> bool:
    return all(s["status"] == "ok" for s in o.body.get("sources", ())) and o.source(VICTIM) is not None


@dataclass
class Services:
    """chargebee and hubspot, started once for the module; chargebee starts again on its port after a kill."""

    stack: Stack

    async def restart_chargebee(self) -> None:
        """Start chargebee again on its port; returns once it is ready (started off the event loop)."""
        await asyncio.to_thread(self.stack.restart, VICTIM)


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    quiet = {"CHARGEBEE_LOG_LEVEL": "WARNING", "HUBSPOT_LOG_LEVEL": "WARNING"}
    both = tuple(s for s in DEFAULT_SERVICES if s.name in (VICTIM, HEALTHY))
    logs = tmp_path_factory.mktemp("source-faults")
    ports = free_ports(s.name for s in both)
    with run_stack(services=both, ports=ports, env=quiet, log_dir=logs, orchestrator=False) as stack:
        yield Services(stack)


@dataclass
class Victim:
    """chargebee, its fault proxy, and what it takes to break it and mend it."""

    services: Services
    proxy: FaultProxy
    frozen: bool = False
    mending: float = float("inf")
    """When the fault began to end (a restarted process may answer before it is reported ready)."""

    def _pid(self) -> int:
        return self.services.stack.processes[VICTIM].pid

    async def freeze(self) -> None:
        os.kill(self._pid(), signal.SIGSTOP)
        self.frozen = True

    async def thaw(self) -> None:
        self.mending = time.monotonic()
        os.kill(self._pid(), signal.SIGCONT)
        self.frozen = False

    async def kill(self) -> None:
        self.services.stack.stop(VICTIM)

    async def restart(self) -> None:
        self.mending = time.monotonic()
        await self.services.restart_chargebee()

    async def answer_500(self) -> None:
        await self.proxy.set("http500")

    async def slow_down(self) -> None:
        await self.proxy.set("delay", delay_s=SLOW_S)

    async def heal(self) -> None:
        self.mending = time.monotonic()
        await self.proxy.set("pass")


@pytest.fixture
async def victim(services: Services) -> AsyncIterator[Victim]:
    async with FaultProxy(services.stack.port(VICTIM)) as proxy:
        broken = Victim(services, proxy)
        try:
            yield broken
        finally:
            if broken.frozen:
                await broken.thaw()


@contextlib.asynccontextmanager
async def orchestrator(services: Services, victim: Victim, *, through_proxy: bool) -> AsyncIterator[str]:
    """A new orchestrator process (fresh circuits) on hubspot and on chargebee, directly or through its proxy;
    started off the event loop, which serves the proxy."""
    name = f"orchestrator-{uuid.uuid4().hex[:6]}"
    stack = services.stack
    chargebee = victim.proxy.url if through_proxy else stack.urls[VICTIM]
    env = dict(ORCHESTRATOR_ENV)
    env["ORCH_SERVICES"] = json.dumps({VICTIM: chargebee, HEALTHY: stack.urls[HEALTHY]})
    url = await asyncio.to_thread(stack.start_orchestrator, name, free_port(), env)
    try:
        yield url
    finally:
        await asyncio.to_thread(stack.terminate, name)


class Seen(NamedTuple):
    """A load through one fault: its figures, when the circuit last opened before service came back, and how
    many requests needing chargebee were sent once its failure showed (the population of the p50)."""

    run: FaultRun
    figures: Figures
    opened: float | None
    once_failing: int


async def through_fault(url: str, inject: Callable[[], Awaitable[None]], end: Callable[[], Awaitable[None]]) -> Seen:
    """The load through one fault, and what it saw."""
    load = Load(url, question, clients=CLIENTS, think_s=THINK_S, timeout_s=10)
    watch = BreakerWatch(url, "orch_source_breaker", f'source="{VICTIM}"')

    def recovered(ended: float) -> float | None:
        return min((o.received for o in load.outcomes if o.received >= ended and healthy(o)), default=None)

    async with load.running(), watch.running():
        run = await run_fault(load, inject=inject, end=end, fault_s=FAULT_S, recovered=recovered, within_s=8)
    # A call made during the fault may fail after it and open the circuit again: the cooldown that counts
    # follows the last opening before service came back.
    opened = watch.last_opened(run.recovered if run.recovered is not None else run.ended)
    cooled = (opened if opened is not None else run.ended) + COOLDOWN_S

    # Seen from outside: once an answer has shown chargebee failing, the requests needing it should fail fast.
    shown = min((o.received for o in run.outcomes if (s := o.source(VICTIM)) and s["status"] == "error"), default=0)

    def once_failing(o: Outcome) -> bool:
        return o.source(VICTIM) is not None and run.started < shown <= o.sent <= run.ended

    figures = run.figures(budget_s=BUDGET_S, answered=answered, met_open=once_failing, cooled=cooled)
    return Seen(run, figures, opened, sum(1 for o in run.outcomes if once_failing(o)))


def assert_the_criteria(seen: Seen, victim: Victim) -> None:
    run, figures = seen.run, seen.figures
    # Latency, status, and the error or the orchestrator's own account of its time (the rest is queueing).
    late = [(round(o.latency_s, 2), o.status, o.body.get("error") or (o.body.get("trace") or {}).get("budget"))
            for o in run.outcomes if not answered(o) or o.latency_s > BUDGET_S]  # fmt: skip
    assert figures.answered == figures.requests, f"{figures}; unanswered or late: {late}"
    during = [o for o in run.outcomes if o.received <= victim.mending]
    for o in during:
        source = o.source(VICTIM)
        if source is None:
            assert all(s["status"] == "ok" for s in o.body["sources"]), o.body["sources"]
        else:
            assert source["status"] == "error" and source["error"]["retryable"], source
            assert source["error"]["code"] in ("SERVICE_TIMEOUT", "SERVICE_UNAVAILABLE"), source
    assert seen.once_failing >= CLIENTS and figures.p50_open_s is not None, seen
    assert figures.p50_open_s <= 0.05, figures
    assert seen.opened is not None, "the circuit never opened"
    assert sum(1 for o in run.outcomes if met_open(o)) >= CLIENTS
    assert figures.after_cooldown_s is not None and figures.after_cooldown_s <= 2.0, figures
    assert run.recovered is not None
    after = [o for o in run.outcomes if o.sent > run.recovered and o.source(VICTIM) is not None]
    assert after and all(healthy(o) for o in after), [o.source(VICTIM) for o in after if not healthy(o)]
    print(
        f"\n{figures.requests} requests, max {figures.max_latency_s:.2f} s (budget {BUDGET_S} s), "
        f"p50 once failing {figures.p50_open_s * 1000:.1f} ms ({seen.once_failing} requests), "
        f"recovery {figures.recovery_s:.2f} s after the fault, {figures.after_cooldown_s:.2f} s after the cooldown"
    )


async def test_a_frozen_source_fails_fast_once_its_circuit_opens_and_answers_again_after_it_thaws(
    services: Services, victim: Victim
) -> None:
    async with orchestrator(services, victim, through_proxy=False) as url:
        assert_the_criteria(await through_fault(url, victim.freeze, victim.thaw), victim)


async def test_a_killed_source_fails_fast_once_its_circuit_opens_and_answers_again_once_restarted(
    services: Services, victim: Victim
) -> None:
    async with orchestrator(services, victim, through_proxy=False) as url:
        assert_the_criteria(await through_fault(url, victim.kill, victim.restart), victim)


async def test_a_source_answering_500_fails_fast_once_its_circuit_opens_and_answers_again_when_healed(
    services: Services, victim: Victim
) -> None:
    async with orchestrator(services, victim, through_proxy=True) as url:
        assert_the_criteria(await through_fault(url, victim.answer_500, victim.heal), victim)
    assert victim.proxy.requests["http500"] >= 3


async def test_a_source_slowed_to_3_s_fails_fast_once_its_circuit_opens_and_answers_again_when_fast(
    services: Services, victim: Victim
) -> None:
    async with orchestrator(services, victim, through_proxy=True) as url:
        assert_the_criteria(await through_fault(url, victim.slow_down, victim.heal), victim)
    assert victim.proxy.requests["delay"] >= 3
