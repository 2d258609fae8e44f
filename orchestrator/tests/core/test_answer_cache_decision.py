"""The answer's trace says whether it was kept in the answer cache, and why not when it was not; with the
answer cache (or the tool-result cache) off, every request reaches the services."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from orch_fakes import Behaviour, ScriptedSource, fails, returns, tool_info

from mcp_common.errors import ErrorCode
from mcp_common.wire import CallContext
from orchestrator.core.answers import AnswerCache
from orchestrator.core.engine import Engine
from orchestrator.core.requests import Question
from orchestrator.core.results import Answer
from orchestrator.core.routes import Routes, question_route, tool_call_route
from orchestrator.execution.executor import Executor, ExecutorConfig
from orchestrator.planning.rules import RulePlanner
from orchestrator.security.caller import Caller
from orchestrator.state.cache import TieredCache
from orchestrator.state.memory import MemoryKVStore
from orchestrator.synthesis.templates import TemplateSynthesizer
from orchestrator.tools.catalog import Catalog
from orchestrator.tools.source import report_service_ms

ADA = Caller("ada@example.com")


def timed(value: str, service_ms: float) -> Behaviour:
    """Answers like `returns(value)`, reporting `service_ms` as an HTTP source reads it from the reply."""
    inner = returns(value)

    async def behave(arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
        report_service_ms(service_ms)
        return await inner(arguments, context)

    return behave


async def engine(
    *, answer_ttl_s: float = 60.0, tool_cache: bool = True, status: Behaviour | None = None
) -> tuple[Engine, ScriptedSource]:
    source = ScriptedSource(
        "shop",
        {
            "get_plan": (tool_info("get_plan", ttl=60.0, examples=("what plan am I on",)), timed("pro", 4.0)),
            "get_order_status": (
                tool_info("get_order_status", ttl=0.0, examples=("where is my order",)),
                status or returns("on its way"),
            ),
        },
    )
    catalog = Catalog([source])
    await catalog.refresh()
    cache = TieredCache(MemoryKVStore())
    config = ExecutorConfig(
        call_timeout_s=2.0, deadline_s=4.0, retries=0, retry_backoff_s=0.0, cache_results=tool_cache
    )
    built = Engine(
        catalog=catalog,
        executor=Executor(catalog, cache, config),
        routes=Routes(question_route(RulePlanner(), TemplateSynthesizer()), tool_call_route(), None),
        answers=AnswerCache(cache, ttl_s=answer_ttl_s, variant="rules|templates"),
    )
    return built, source


async def ask(built: Engine, question: str) -> Answer:
    return await built.handle(Question(question), ADA)


def decided(answer: Answer) -> str | None:
    assert answer.trace is not None
    return answer.trace.answer_cache


async def test_an_answer_from_tools_that_cache_is_stored_and_says_for_how_long() -> None:
    built, source = await engine(answer_ttl_s=30.0)
    first = await ask(built, "what plan am I on?")
    again = await ask(built, "what plan am I on?")
    assert decided(first) == "stored for 30 s"
    assert again.cached and len(source.calls) == 1


async def test_an_answer_using_a_tool_that_never_caches_says_so_and_is_computed_again() -> None:
    built, source = await engine()
    first = await ask(built, "where is my order?")
    again = await ask(built, "where is my order?")
    assert decided(first) == "not cached: shop.get_order_status does not cache"
    assert not again.cached and decided(again) == decided(first)
    assert [tool for tool, _, _ in source.calls] == ["get_order_status", "get_order_status"]


async def test_an_answer_with_a_failed_source_names_it() -> None:
    built, _ = await engine(status=fails(ErrorCode.SERVICE_UNAVAILABLE))
    answer = await ask(built, "where is my order?")
    assert decided(answer) == "not cached: shop.get_order_status failed"


async def test_with_the_answer_cache_off_identical_concurrent_questions_each_reach_the_service() -> None:
    built, source = await engine(answer_ttl_s=0.0, tool_cache=False)
    answers = await asyncio.gather(*(ask(built, "what plan am I on?") for _ in range(3)))
    again = await ask(built, "what plan am I on?")
    assert {decided(a) for a in [*answers, again]} == {"not cached: the answer cache is off"}
    assert not any(a.trace and a.trace.shared_flight for a in answers) and not again.cached
    assert len(source.calls) == 4  # no answer, no tool result, no flight shared


async def test_each_source_reports_the_services_own_time_next_to_the_round_trip(
    caplog: pytest.LogCaptureFixture,
) -> None:
    built, _ = await engine()
    with caplog.at_level(logging.INFO, logger="orchestrator.decision"):
        answer = await ask(built, "what plan am I on?")
    [source] = answer.sources
    assert source.service_ms == 4.0 and source.latency_ms >= 0
    [record] = [r for r in caplog.records if getattr(r, "event_type", None) == "decision"]
    calls: list[dict[str, Any]] = getattr(record, "calls")  # noqa: B009
    assert calls[0]["service_ms"] == 4.0
    assert getattr(record, "answer_cached_as") == "stored for 60 s"  # noqa: B009
