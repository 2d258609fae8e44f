"""One time budget per request: a model call keeps to its share, tool calls to what is left, and the engine
answers in time whatever a stage does; the trace says which stage the budget cut short."""

from __future__ import annotations

import asyncio
import time

import anyio
import pytest
from llm_engine_fixtures import ADA, llm_engine
from llm_scripted import HangingLLM
from orch_fakes import ScriptedSource, hangs, returns, tool_info

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.core.answers import AnswerCache
from orchestrator.core.engine import Engine
from orchestrator.core.requests import Question
from orchestrator.core.routes import Route, Routes, Synthesis, tool_call_route
from orchestrator.core.run import Run
from orchestrator.execution.executor import Executor, ExecutorConfig
from orchestrator.llm.base import LLMRequest, recording_calls
from orchestrator.llm.resilient import ResilientLLM
from orchestrator.planning.base import Plan
from orchestrator.planning.validation import ValidatedStep
from orchestrator.resilience import budget as request_budget
from orchestrator.resilience.breaker import CircuitBreaker
from orchestrator.resilience.budget import GRACE_S, Budget, BudgetConfig
from orchestrator.resilience.guard import GuardConfig
from orchestrator.state.cache import TieredCache
from orchestrator.state.memory import MemoryKVStore
from orchestrator.synthesis.templates import TemplateSynthesizer
from orchestrator.tools.catalog import Catalog

REQUEST = LLMRequest(system="s", prompt="p", purpose="plan")


def hanging_model(failures: int = 100) -> tuple[ResilientLLM, HangingLLM]:
    inner = HangingLLM()
    breaker = CircuitBreaker(failures, 30.0)
    return ResilientLLM(inner, timeout_s=15.0, retries=2, backoff_s=0.0, breaker=breaker), inner


async def test_a_hanging_model_costs_a_question_its_share_and_the_rules_and_templates_answer_in_time() -> None:
    model, inner = hanging_model()
    setup = await llm_engine(model, budget_s=1.5)
    start = time.perf_counter()
    with anyio.fail_after(5):
        answer = await setup.query("what plan am I on?", ADA)
    took = time.perf_counter() - start
    assert took <= 1.5 + 0.5, took
    assert "Pro Monthly" in answer.answer, "the rules planned and the templates wrote the answer"
    trace = answer.trace
    assert trace is not None and trace.planner == "rules" and trace.synthesizer == "templates"
    assert trace.fallbacks == [
        "plan: LLM_UNAVAILABLE, rules planner used",
        "synthesize: LLM_UNAVAILABLE, templates used",
    ]
    assert trace.budget is not None and trace.budget.cut == ["plan", "synthesize"]
    assert trace.budget.budget_ms == 1500 and trace.budget.spent_ms <= 1500
    assert [c.purpose for c in trace.llm_calls] == ["plan", "synthesize"]
    assert inner.calls <= 2, "no retry is started without time for it"


async def test_a_model_call_with_too_little_time_left_is_skipped_without_touching_the_breaker() -> None:
    model, inner = hanging_model(failures=1)
    budget = Budget.start(0.5, BudgetConfig(min_model_s=0.5))
    with request_budget.within(budget), recording_calls() as calls, pytest.raises(ServiceError) as caught:
        await model.generate(REQUEST)
    assert caught.value.code is ErrorCode.LLM_UNAVAILABLE and "budget" in caught.value.message
    assert inner.calls == 0 and model.breaker.state == "closed"
    assert [(c.purpose, c.status) for c in calls] == [("plan", "skipped")]
    assert budget.cut == ["plan"]


async def test_a_model_call_ends_at_its_share_of_what_is_left() -> None:
    model, inner = hanging_model()
    budget = Budget.start(2.3, BudgetConfig(model_share=0.5, min_model_s=0.2, reserve_s=0.3))
    start = time.perf_counter()
    with request_budget.within(budget), pytest.raises(ServiceError) as caught:
        await model.generate(REQUEST)
    took = time.perf_counter() - start
    assert 0.9 <= took <= 1.3, took  # half of (2.3 - 0.3), retries included
    assert "within 1s (its share of the request's budget)" in caught.value.message
    assert inner.calls == 1, "a retry would not have had the least time worth trying"


async def test_outside_a_request_a_model_call_keeps_its_own_timeout_and_retries() -> None:
    inner = HangingLLM()
    model = ResilientLLM(inner, timeout_s=0.05, retries=2, backoff_s=0.0, breaker=CircuitBreaker(100, 30.0))
    with pytest.raises(ServiceError):
        await model.generate(REQUEST)
    assert inner.calls == 3


async def test_tool_calls_stop_at_what_is_left_of_the_budget_and_the_source_is_not_blamed() -> None:
    source = ScriptedSource("svc", {"slow": (tool_info("slow"), hangs()), "quick": (tool_info("quick"), returns("q"))})
    catalog = Catalog([source])
    await catalog.refresh()
    # One blamed call would open this circuit.
    config = ExecutorConfig(call_timeout_s=5.0, deadline_s=5.0, retries=0, guard=GuardConfig(failures=1))
    executor = Executor(catalog, TieredCache(MemoryKVStore()), config)
    steps = [ValidatedStep(catalog.get(f"svc.{n}"), {"email": ADA.email}) for n in ("slow", "quick")]
    budget = Budget.start(0.8, BudgetConfig(reserve_s=0.3))
    start = time.perf_counter()
    with request_budget.within(budget), anyio.fail_after(3):
        slow, quick = await executor.run(steps, ADA)
    assert time.perf_counter() - start <= 0.7
    assert quick.status == "ok"
    assert slow.error is not None and slow.error.code is ErrorCode.SERVICE_TIMEOUT
    assert "time budget" in slow.error.message
    assert budget.cut == ["execute"]
    guard = executor.guards.get("svc").state()
    assert guard.circuit == "closed" and guard.opens == 0, "a call the budget cut short says nothing of the source"
    assert guard.in_flight == 0


class StuckPlanner:
    """A stage planner that never returns (a stage with no limit of its own)."""

    name = "stuck"

    async def plan(self, run: Run, catalog: Catalog) -> Plan | None:
        await asyncio.Event().wait()
        return None


async def test_a_stage_that_never_ends_is_answered_with_a_timeout_naming_it_within_the_budget() -> None:
    catalog = Catalog([])
    cache = TieredCache(MemoryKVStore())
    route = Route("question", StuckPlanner(), Synthesis(TemplateSynthesizer()), budget_s=0.5)
    engine = Engine(
        catalog=catalog,
        executor=Executor(catalog, cache, ExecutorConfig()),
        routes=Routes(route, tool_call_route()),
        answers=AnswerCache(cache, ttl_s=0, variant="t"),
    )
    start = time.perf_counter()
    with anyio.fail_after(3), pytest.raises(ServiceError) as caught:
        await engine.handle(Question("what plan am I on?"), ADA)
    assert time.perf_counter() - start <= 0.5 + GRACE_S + 0.2
    assert caught.value.code is ErrorCode.SERVICE_TIMEOUT and caught.value.retryable
    assert "0.5s time budget" in caught.value.message and "plan stage" in caught.value.message
