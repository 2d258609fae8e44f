"""The executor with the cache: one call for concurrent identical reads, scoped invalidation by writes."""

from __future__ import annotations

import asyncio
from typing import Any

from orch_fakes import ScriptedSource, returns, tool_info

from mcp_common.wire import CallContext
from orchestrator.execution.executor import Executor, ExecutorConfig
from orchestrator.planning.validation import ValidatedStep
from orchestrator.security.caller import Caller
from orchestrator.state.cache import TieredCache
from orchestrator.state.memory import MemoryKVStore
from orchestrator.tools.catalog import Catalog

ADA = Caller("ada@example.com")
GRACE = Caller("grace@example.com")
CONFIG = ExecutorConfig(call_timeout_s=2.0, deadline_s=5.0, retries=0)


def slow_counter(calls: list[str], name: str, delay_s: float = 0.05) -> Any:
    async def behaviour(arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
        calls.append(arguments["email"])
        await asyncio.sleep(delay_s)
        return {"value": f"{name} for {arguments['email']} #{len(calls)}"}

    return behaviour


async def executor_with(*sources: ScriptedSource) -> Executor:
    catalog = Catalog(list(sources))
    await catalog.refresh()
    return Executor(catalog, TieredCache(MemoryKVStore()), CONFIG)


def step(executor: Executor, name: str, caller: Caller, **extra: Any) -> ValidatedStep:
    return ValidatedStep(executor.catalog.get(name), {"email": caller.email, **extra})


async def test_concurrent_identical_reads_make_one_call() -> None:
    calls: list[str] = []
    source = ScriptedSource("profile", {"get": (tool_info("get"), slow_counter(calls, "profile"))})
    executor = await executor_with(source)
    runs = await asyncio.gather(*(executor.run([step(executor, "profile.get", ADA)], ADA) for _ in range(8)))
    assert calls == ["ada@example.com"]
    values = {run[0].result["value"] for run in runs if run[0].result}
    assert values == {"profile for ada@example.com #1"}
    assert sum(run[0].attempts for run in runs) == 1  # one request called, seven waited for it


async def test_concurrent_reads_of_two_users_are_never_shared() -> None:
    calls: list[str] = []
    source = ScriptedSource("profile", {"get": (tool_info("get"), slow_counter(calls, "profile"))})
    executor = await executor_with(source)
    ada, grace = await asyncio.gather(
        executor.run([step(executor, "profile.get", ADA)], ADA),
        executor.run([step(executor, "profile.get", GRACE)], GRACE),
    )
    assert sorted(calls) == ["ada@example.com", "grace@example.com"]
    assert ada[0].result and "ada@" in ada[0].result["value"]
    assert grace[0].result and "grace@" in grace[0].result["value"]


async def test_reads_with_different_arguments_are_separate_calls() -> None:
    calls: list[str] = []
    source = ScriptedSource("orders", {"list": (tool_info("list"), slow_counter(calls, "orders"))})
    executor = await executor_with(source)
    await asyncio.gather(
        executor.run([step(executor, "orders.list", ADA, limit=1)], ADA),
        executor.run([step(executor, "orders.list", ADA, limit=2)], ADA),
    )
    assert len(calls) == 2


async def test_a_write_invalidates_the_scopes_it_declares_and_no_others() -> None:
    profile_calls: list[str] = []
    menu_calls: list[str] = []
    write = tool_info("set", writes=True).model_copy(update={"invalidates": ["profile"]})
    profile = ScriptedSource(
        "profile",
        {"get": (tool_info("get"), slow_counter(profile_calls, "profile", 0)), "set": (write, returns("saved"))},
    )
    menu = ScriptedSource("menu", {"search": (tool_info("search"), slow_counter(menu_calls, "menu", 0))})
    executor = await executor_with(profile, menu)
    reads = [step(executor, "profile.get", ADA), step(executor, "menu.search", ADA)]
    await executor.run(reads, ADA)
    cached = await executor.run(reads, ADA)
    assert [r.cached for r in cached] == [True, True]

    await executor.run([step(executor, "profile.set", ADA)], ADA)
    after = await executor.run(reads, ADA)
    assert [r.cached for r in after] == [False, True]
    assert len(profile_calls) == 2 and len(menu_calls) == 1


async def test_a_write_without_a_declaration_invalidates_all_of_the_users_reads_only() -> None:
    calls: list[str] = []
    profile = ScriptedSource(
        "profile",
        {
            "get": (tool_info("get"), slow_counter(calls, "profile", 0)),
            "set": (tool_info("set", writes=True), returns("ok")),
        },
    )
    menu = ScriptedSource("menu", {"search": (tool_info("search"), slow_counter(calls, "menu", 0))})
    executor = await executor_with(profile, menu)
    for caller in (ADA, GRACE):
        await executor.run([step(executor, "profile.get", caller), step(executor, "menu.search", caller)], caller)

    await executor.run([step(executor, "profile.set", ADA)], ADA)
    ada = await executor.run([step(executor, "profile.get", ADA), step(executor, "menu.search", ADA)], ADA)
    grace = await executor.run([step(executor, "profile.get", GRACE), step(executor, "menu.search", GRACE)], GRACE)
    assert [r.cached for r in ada] == [False, False]
    assert [r.cached for r in grace] == [True, True]
