"""Benchmark: what faults do to the orchestrator's answers, at full scale, on real processes over loopback.

`--clients` concurrent clients (20) ask questions needing chargebee, hubspot or both (pausing a random
time of mean `--think` s between an answer and their next question) while one thing fails for `--fault`
seconds (10), then mends:

- frozen:  chargebee stopped with SIGSTOP, then SIGCONT;
- killed:  chargebee killed with SIGKILL, then started again on its port;
- http500: chargebee answering 500 (the fault proxy of `mcp_devtools.faults` in front of it);
- slow:    every chargebee call held `--slow` s (3) by the proxy;
- redis:   the shared state (`ORCH_STATE_BACKEND=redis`; redis-server with `--appendonly yes
           --appendfsync always`) killed with SIGKILL, then started again on its port and data; three
           conversations with a basket are stored before, and two more clients start conversations
           throughout (`/orchestrate`).

A new orchestrator per scenario, on the production defaults of `orchestrator.settings` (deadline 8 s,
call timeout 3 s, 2 retries, a source's circuit opening after 3 failures for 1.5 s, the L1 breaker after
5 for 5 s) with the caches that would hide the fault off: no tool cache and no answer cache for the source
faults, answers kept 0.2 s for `redis` (so the load keeps reaching Redis).

One table: requests; answered (an answer within the budget, deadline + 0.5 s; for `/orchestrate` a reply or a
retryable error, as a turn answers while its session is out of reach); the longest request;
p50 of the requests needing the broken thing once it has failed (source faults: sent after the first answer
showing chargebee failing, before the fault ended; redis: sent while the L1 breaker was open); recovery,
from the fault's end to the first healthy answer (redis: to the L1 breaker closing again), and from the end
of the cooldown after the circuit's last opening, when later.

Usage: uv run --frozen python bench/faults.py [--clients 20] [--fault 10] [--slow 3] [--think 0.25]
       [--only frozen,killed,http500,slow,redis] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from mcp_devtools.faults import (
    BreakerWatch,
    DurableRedis,
    FaultProxy,
    FaultRun,
    Figures,
    Load,
    Outcome,
    durable_redis,
    run_fault,
)
from mcp_devtools.stack import DEFAULT_SERVICES, Stack, run_stack
from mcp_devtools.testing import free_port, free_ports
from orchestrator.settings import Settings

SCENARIOS = ("frozen", "killed", "http500", "slow", "redis")
VICTIM = "chargebee"
QUESTIONS = (
    "what plan am I on?",
    "what invoices do I have?",
    "do I have open deals?",
    "who is my account owner?",
    "what plan am I on, and do I have open deals?",
    "what is my billing address and do I have open tickets?",
)
USERS = ("ada@example.com", "grace@example.com", "linus@example.com")
SERVICES = tuple(s for s in DEFAULT_SERVICES if s.name in ("chargebee", "hubspot", "menu"))
DEFAULTS = {name: field.default for name, field in Settings.model_fields.items()}
DEADLINE_S: float = DEFAULTS["deadline_s"]
BUDGET_S = DEADLINE_S + 0.5
SOURCE_COOLDOWN_S: float = DEFAULTS["source_breaker_cooldown_s"]
L1_COOLDOWN_S: float = DEFAULTS["l1_breaker_cooldown_s"]


def question(n: int) -> dict[str, str]:
    return {"query": QUESTIONS[n % len(QUESTIONS)], "email": USERS[(n // len(QUESTIONS)) % len(USERS)]}


def answered(o: Outcome) -> bool:
    return o.status == 200 and "error" not in o.body and bool(o.body.get("answer"))


def healthy(o: Outcome) -> bool:
    return o.source(VICTIM) is not None and all(s["status"] == "ok" for s in o.body["sources"])


@dataclass
class Row:
    scenario: str
    figures: Figures
    population: int
    note: str


@dataclass
class Services:
    """chargebee, hubspot and menu for every scenario; chargebee started again after a kill."""

    stack: Stack

    @contextlib.asynccontextmanager
    async def orchestrator(self, env: dict[str, str]) -> AsyncIterator[str]:
        """A new orchestrator process (fresh circuits and caches), started off the event loop."""
        name = f"orchestrator-{uuid.uuid4().hex[:6]}"
        env = env | {"ORCH_LOG_LEVEL": "WARNING", "ORCH_CATALOG_REFRESH_S": "3600"}
        url = await asyncio.to_thread(self.stack.start_orchestrator, name, free_port(), env)
        try:
            yield url
        finally:
            await asyncio.to_thread(self.stack.terminate, name)

    async def restart_chargebee(self) -> None:
        await asyncio.to_thread(self.stack.restart, VICTIM)


@contextlib.asynccontextmanager
async def services(log_dir: Path) -> AsyncIterator[Services]:
    env = {f"{s.env_prefix}LOG_LEVEL": "WARNING" for s in SERVICES}
    env |= {f"{s.env_prefix}DATABASE_URL": f"sqlite+aiosqlite:///{log_dir / s.name}.db" for s in SERVICES}
    ports = free_ports(s.name for s in SERVICES)
    with contextlib.ExitStack() as later:
        stack = await asyncio.to_thread(
            later.enter_context,
            run_stack(services=SERVICES, ports=ports, env=env, log_dir=log_dir, orchestrator=False),
        )
        yield Services(stack)


def faults(kind: str, up: Services, proxy: FaultProxy, slow_s: float) -> tuple[Callable[[], Awaitable[None]], ...]:
    """How to break chargebee for `kind`, and how to mend it."""

    def pid() -> int:
        return up.stack.processes[VICTIM].pid

    async def signal_it(number: int) -> None:
        os.kill(pid(), number)

    async def kill() -> None:
        up.stack.stop(VICTIM)

    table: dict[str, tuple[Callable[[], Awaitable[None]], ...]] = {
        "frozen": (lambda: signal_it(signal.SIGSTOP), lambda: signal_it(signal.SIGCONT)),
        "killed": (kill, up.restart_chargebee),
        "http500": (lambda: proxy.set("http500"), lambda: proxy.set("pass")),
        "slow": (lambda: proxy.set("delay", delay_s=slow_s), lambda: proxy.set("pass")),
    }
    return table[kind]


async def source_fault(kind: str, up: Services, args: argparse.Namespace) -> Row:
    async with contextlib.AsyncExitStack() as running:
        proxy = await running.enter_async_context(FaultProxy(up.stack.port(VICTIM)))
        chargebee = proxy.url if kind in ("http500", "slow") else up.stack.urls[VICTIM]
        catalog = {VICTIM: chargebee, "hubspot": up.stack.urls["hubspot"]}
        env = {"ORCH_SERVICES": json.dumps(catalog), "ORCH_TOOL_CACHE": "false", "ORCH_ANSWER_TTL_S": "0"}
        url = await running.enter_async_context(up.orchestrator(env))
        inject, end = faults(kind, up, proxy, args.slow)
        load = Load(url, question, clients=args.clients, think_s=args.think, timeout_s=BUDGET_S + 10)
        watch = BreakerWatch(url, "orch_source_breaker", f'source="{VICTIM}"')

        def recovered(ended: float) -> float | None:
            return min((o.received for o in load.outcomes if o.received >= ended and healthy(o)), default=None)

        async with load.running(), watch.running():
            within = SOURCE_COOLDOWN_S + DEADLINE_S + 5
            run = await run_fault(
                load, inject=inject, end=end, fault_s=args.fault, recovered=recovered, within_s=within
            )
    opened = watch.last_opened(run.recovered if run.recovered is not None else run.ended)
    cooled = (opened if opened is not None else run.ended) + SOURCE_COOLDOWN_S
    failing = [o.received for o in run.outcomes if (s := o.source(VICTIM)) and s["status"] == "error"]
    shown = min(failing, default=run.ended)

    def once_failing(o: Outcome) -> bool:
        return o.source(VICTIM) is not None and shown <= o.sent <= run.ended

    figures = run.figures(budget_s=BUDGET_S, answered=answered, met_open=once_failing, cooled=cooled)
    opens = int(watch.states[-1][2]) if watch.states else 0
    named = sum(1 for o in run.outcomes if (s := o.source(VICTIM)) and s["status"] == "error")
    note = f"circuit opened {opens}×; {named} answers name {VICTIM} failing"
    if proxy.requests:
        note += f"; the proxy saw {proxy.requests.total()} calls"
    return Row(kind, figures, sum(1 for o in run.outcomes if once_failing(o)), note)


async def say(client: httpx.AsyncClient, email: str, message: str, session_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"channel": "bench", "message": message, "user": {"email": email}}
    if session_id:
        body["session_id"] = session_id
    reply: dict[str, Any] = (await client.post("/orchestrate", json=body)).json()
    return reply


async def baskets(url: str) -> dict[str, tuple[str, Any]]:
    """A conversation with something in its basket per user: session id → (user, basket)."""
    found: dict[str, tuple[str, Any]] = {}
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        for n, email in enumerate(USERS, start=2):
            shown = await say(client, email, "show me vegetarian mains under 15")
            added = await say(client, email, f"add {n} of the first one", shown["session_id"])
            found[added["session_id"]] = (email, added.get("data", {}))
    return found


async def baskets_now(url: str, stored: dict[str, tuple[str, Any]]) -> dict[str, tuple[str, Any]]:
    """What the `stored` conversations' baskets hold now."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        return {
            sid: (email, (await say(client, email, "what's in my basket?", sid)).get("data", {}))
            for sid, (email, _) in stored.items()
        }


async def redis_fault(up: Services, args: argparse.Namespace) -> list[Row]:
    env = {"ORCH_STATE_BACKEND": "redis", "ORCH_ANSWER_TTL_S": "0.2", "ORCH_STATE_PREFIX": "bench"}
    with durable_redis() as redis:
        async with up.orchestrator(env | {"ORCH_REDIS_URL": redis.url}) as url:
            rows = await redis_outage(url, redis, args)
    return rows


async def redis_outage(url: str, redis: DurableRedis, args: argparse.Namespace) -> list[Row]:
    before = await baskets(url)
    queries = Load(url, question, clients=args.clients, think_s=args.think, timeout_s=BUDGET_S + 10)
    turns = Load(
        url,
        lambda n: {"channel": "bench", "message": "show me the menu", "user": {"email": USERS[n % 3]}},
        path="/orchestrate",
        clients=2,
        think_s=args.think,
        timeout_s=BUDGET_S + 10,
    )
    watch = BreakerWatch(url, "orch_breaker", 'breaker="l1"')

    def l1_back(ended: float) -> float | None:
        return next((t for t, state, _ in watch.states if t >= ended and state == "closed"), None)

    async def kill() -> None:
        redis.kill()

    async def restart() -> None:
        await asyncio.to_thread(redis.start)

    async with queries.running(), turns.running(), watch.running():
        within = L1_COOLDOWN_S + 5
        run = await run_fault(queries, inject=kill, end=restart, fault_s=args.fault, recovered=l1_back, within_s=within)
    after = await baskets_now(url, before)
    opened = watch.last_opened(run.recovered if run.recovered is not None else run.ended)
    cooled = (opened if opened is not None else run.ended) + L1_COOLDOWN_S

    def while_open(o: Outcome) -> bool:
        return watch.state_at(o.sent) == "open"

    figures = run.figures(budget_s=BUDGET_S, answered=answered, met_open=while_open, cooled=cooled)
    intact = sum(1 for sid, (_, data) in before.items() if data.get("lines") and after[sid][1] == data)
    note = (
        f"L1 breaker opened {int(watch.states[-1][2]) if watch.states else 0}×; {intact}/{len(before)} sessions intact"
    )
    conversation = FaultRun([o for o in turns.outcomes if o.sent >= run.started], run.started, run.ended, run.recovered)

    def turn_answered(o: Outcome) -> bool:  # a reply, or a clear retryable error
        return o.status in (200, 503) and ("error" not in o.body or o.body["error"].get("retryable") is True)

    turn_figures = conversation.figures(budget_s=BUDGET_S, answered=turn_answered, met_open=while_open, cooled=cooled)
    refused = sum(1 for o in conversation.outcomes if "error" in o.body)
    return [
        Row("redis (/query)", figures, sum(1 for o in run.outcomes if while_open(o)), note),
        Row("redis (/orchestrate)", turn_figures, sum(1 for o in conversation.outcomes if while_open(o)),
            f"{refused} turns answered a retryable error"),
    ]  # fmt: skip


def render(rows: list[Row], args: argparse.Namespace) -> str:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value * 1000:,.0f} ms"

    def s(value: float | None) -> str:
        return "never" if value is None else f"{value:.2f} s"

    lines = [
        f"{args.clients} clients, mean pause {args.think} s, faults of {args.fault} s, slow = {args.slow} s a call; "
        f"deadline {DEADLINE_S:g} s, budget {BUDGET_S:g} s",
        "",
        "| scenario | requests | answered | max latency / budget | p50 once failing (n) "
        "| recovery after the fault | after the cooldown | notes |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        f = row.figures
        pct = 100.0 * f.answered / f.requests if f.requests else 0.0
        lines.append(
            f"| {row.scenario} | {f.requests} | {pct:.1f} % | {f.max_latency_s:.2f} s / {f.budget_s:g} s "
            f"| {ms(f.p50_open_s)} ({row.population}) | {s(f.recovery_s)} | {s(f.after_cooldown_s)} | {row.note} |"
        )
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp:
        async with services(Path(tmp)) as up:
            for kind in args.only:
                started = time.monotonic()
                print(f"--- {kind}", flush=True)
                added = await redis_fault(up, args) if kind == "redis" else [await source_fault(kind, up, args)]
                rows += added
                print(*render(added, args).splitlines()[4:], sep="\n", flush=True)
                print(f"({time.monotonic() - started:.0f} s)", flush=True)
    return rows


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument("--fault", type=float, default=10.0, help="how long each fault lasts, seconds")
    parser.add_argument("--slow", type=float, default=3.0, help="how long `slow` holds each call, seconds")
    parser.add_argument("--think", type=float, default=0.25, help="mean pause of a client between requests, s")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios to run")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    if unknown := sorted(set(args.only) - set(SCENARIOS)):
        parser.error(f"unknown scenario(s): {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    table = render(asyncio.run(run(args)), args)
    print(f"\n{table}")
    if args.markdown:
        args.markdown.write_text(table + "\n")


if __name__ == "__main__":
    main()
