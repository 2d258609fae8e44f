"""Concurrent identical questions of one caller are answered once; other callers are never joined."""

from __future__ import annotations

import asyncio

from llm_engine_fixtures import ADA, GRACE, answer, llm_engine, plan
from llm_scripted import ScriptedLLM

from orchestrator.llm.base import LLMRequest, LLMResponse


async def test_concurrent_identical_questions_plan_call_and_write_once() -> None:
    llm = ScriptedLLM(
        plan(("chargebee.get_subscription", {})),
        answer("You are on pro-monthly. [source: chargebee.get_subscription]", "chargebee.get_subscription"),
    )
    inner_generate = llm.generate

    async def slow_generate(request: LLMRequest) -> LLMResponse:
        await asyncio.sleep(0.05)  # the first request is still running when the others arrive
        return await inner_generate(request)

    llm.generate = slow_generate  # type: ignore[method-assign]
    setup = await llm_engine(llm)
    responses = await asyncio.gather(*(setup.query("what plan am I on?", ADA) for _ in range(6)))

    assert llm.purposes() == ["plan", "synthesize"]
    assert [c.tool for c in setup.calls] == ["chargebee.get_subscription"]
    assert {r.answer for r in responses} == {responses[0].answer}
    assert sum(1 for r in responses if r.trace and r.trace.shared_flight) == 5
    assert len({r.trace_id for r in responses}) == 6


async def test_the_same_question_of_two_callers_is_answered_for_each() -> None:
    llm = ScriptedLLM(
        plan(("chargebee.get_subscription", {})),
        answer("Your plan. [source: chargebee.get_subscription]", "chargebee.get_subscription"),
    )
    setup = await llm_engine(llm)
    ada, grace = await asyncio.gather(setup.query("what plan am I on?", ADA), setup.query("what plan am I on?", GRACE))
    assert sorted(str(c.caller) for c in setup.calls) == sorted([ADA.email, GRACE.email])
    assert not (ada.trace and ada.trace.shared_flight) and not (grace.trace and grace.trace.shared_flight)
