"""Executor behaviour: parallel steps, timeouts, retries only for read-only tools, partial results."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
from orch_fakes import ScriptedSource, fails, hangs, returns, tool_info

from mcp_common.errors import ErrorCode
from mcp_common.wire import CallContext
from orchestrator.execution.executor import Executor, ExecutorConfig
from orchestrator.planning.validation import ValidatedStep
from orchestrator.security.caller import Caller
from orchestrator.state.cache import TieredCache
from orchestrator.state.memory import MemoryKVStore
from orchestrator.tools.catalog import Catalog

ADA = Caller("ada@example.com")
FAST = ExecutorConfig(call_timeout_s=0.5, deadline_s=2.0, retries=2, retry_backoff_s=0.0)


async def executor_for(source: ScriptedSource, config: ExecutorConfig = FAST) -> Executor:
    catalog = Catalog([source])
    await catalog.refresh()
    return Executor(catalog, TieredCache(MemoryKVStore()), config)


def steps(executor: Executor, *names: str) -> list[ValidatedStep]:
    return [ValidatedStep(executor.catalog.get(f"svc.{n}"), {"email": ADA.email}) for n in names]


async def test_steps_run_in_parallel() -> None:
    a_started, b_started = asyncio.Event(), asyncio.Event()

    async def a(arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
        a_started.set()
        await b_started.wait()  # deadlocks unless b runs concurrently
        return {"value": "a"}

    async def b(arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
        b_started.set()
        await a_started.wait()
        return {"value": "b"}

    source = ScriptedSource("svc", {"a": (tool_info("a"), a), "b": (tool_info("b"), b)})
    executor = await executor_for(source)
    with anyio.fail_after(5):
        results = await executor.run(steps(executor, "a", "b"), ADA)
    assert [r.status for r in results] == ["ok", "ok"]


async def test_a_hanging_call_times_out_and_the_others_still_answer() -> None:
    source = ScriptedSource("svc", {"slow": (tool_info("slow"), hangs()), "quick": (tool_info("quick"), returns("q"))})
    executor = await executor_for(source, ExecutorConfig(call_timeout_s=0.2, deadline_s=5.0, retries=0))
    with anyio.fail_after(3):
        slow, quick = await executor.run(steps(executor, "slow", "quick"), ADA)
    assert slow.status == "error" and slow.error is not None
    assert slow.error.code == ErrorCode.SERVICE_TIMEOUT
    assert quick.status == "ok" and quick.result == {"value": "q for ada@example.com"}


async def test_the_overall_deadline_cancels_what_is_still_running() -> None:
    source = ScriptedSource("svc", {"slow": (tool_info("slow"), hangs())})
    executor = await executor_for(source, ExecutorConfig(call_timeout_s=10.0, deadline_s=0.3, retries=0))
    with anyio.fail_after(3):
        (slow,) = await executor.run(steps(executor, "slow"), ADA)
    assert slow.error is not None and slow.error.code == ErrorCode.SERVICE_TIMEOUT
    assert "deadline" in slow.error.message


async def test_read_only_tools_are_retried_on_retryable_errors() -> None:
    flaky = fails(ErrorCode.SERVICE_UNAVAILABLE, times=2, then="recovered")
    source = ScriptedSource("svc", {"read": (tool_info("read"), flaky)})
    executor = await executor_for(source)
    (result,) = await executor.run(steps(executor, "read"), ADA)
    assert result.status == "ok" and result.result == {"value": "recovered"}
    assert result.attempts == 3 and len(source.calls) == 3


async def test_tools_that_write_are_never_retried() -> None:
    flaky = fails(ErrorCode.SERVICE_UNAVAILABLE, times=1)
    source = ScriptedSource("svc", {"write": (tool_info("write", writes=True), flaky)})
    executor = await executor_for(source)
    (result,) = await executor.run(steps(executor, "write"), ADA)
    assert result.status == "error" and result.attempts == 1 and len(source.calls) == 1


async def test_errors_that_are_not_retryable_are_not_retried() -> None:
    source = ScriptedSource("svc", {"read": (tool_info("read"), fails(ErrorCode.NOT_FOUND))})
    executor = await executor_for(source)
    (result,) = await executor.run(steps(executor, "read"), ADA)
    assert result.error is not None and result.error.code == ErrorCode.NOT_FOUND
    assert len(source.calls) == 1


async def test_a_result_that_does_not_match_the_output_schema_fails_that_source() -> None:
    async def wrong(arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
        return {"unexpected": 1}

    source = ScriptedSource("svc", {"bad": (tool_info("bad"), wrong), "good": (tool_info("good"), returns("g"))})
    executor = await executor_for(source)
    bad, good = await executor.run(steps(executor, "bad", "good"), ADA)
    assert bad.error is not None and bad.error.code == ErrorCode.SERVICE_BAD_RESPONSE
    assert good.status == "ok"


async def test_results_are_cached_per_user_and_reused() -> None:
    source = ScriptedSource("svc", {"read": (tool_info("read", ttl=60), returns("v"))})
    executor = await executor_for(source)
    first = await executor.run(steps(executor, "read"), ADA)
    second = await executor.run(steps(executor, "read"), ADA)
    grace = Caller("grace@example.com")
    other = await executor.run([ValidatedStep(executor.catalog.get("svc.read"), {"email": grace.email})], grace)
    assert [first[0].cached, second[0].cached, other[0].cached] == [False, True, False]
    assert other[0].result == {"value": "v for grace@example.com"}
    assert len(source.calls) == 2


async def test_the_call_context_carries_the_caller_and_tenant() -> None:
    source = ScriptedSource("svc", {"read": (tool_info("read", ttl=0), returns("v"))})
    executor = await executor_for(source)
    await executor.run(steps(executor, "read"), Caller("ada@example.com", tenant="acme"))
    (_, _, context), *_ = source.calls
    assert context.caller == "ada@example.com" and context.tenant == "acme"


async def test_a_write_invalidates_the_callers_cached_reads_and_no_one_elses() -> None:
    source = ScriptedSource(
        "svc", {"read": (tool_info("read"), returns("r")), "write": (tool_info("write", writes=True), returns("w"))}
    )
    executor = await executor_for(source)
    grace = Caller("grace@example.com")
    grace_step = [ValidatedStep(executor.catalog.get("svc.read"), {"email": grace.email})]
    await executor.run(steps(executor, "read"), ADA)
    await executor.run(grace_step, grace)
    (before,) = await executor.run(steps(executor, "read"), ADA)
    await executor.run(steps(executor, "write"), ADA)
    (after,) = await executor.run(steps(executor, "read"), ADA)
    (graces,) = await executor.run(grace_step, grace)
    assert before.cached and not after.cached  # Ada's read after her write goes to the service
    assert graces.cached  # Grace's cache is untouched by Ada's write


async def test_a_failed_write_still_invalidates_it_may_have_happened() -> None:
    source = ScriptedSource(
        "svc", {"read": (tool_info("read"), returns("r")),
                "write": (tool_info("write", writes=True), fails(ErrorCode.SERVICE_TIMEOUT))}
    )  # fmt: skip
    executor = await executor_for(source)
    await executor.run(steps(executor, "read"), ADA)
    await executor.run(steps(executor, "write"), ADA)
    (after,) = await executor.run(steps(executor, "read"), ADA)
    assert not after.cached
