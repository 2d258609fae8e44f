"""RulePlanner choices over the real billing and CRM tool catalogs."""

from __future__ import annotations

import pytest
from orch_fakes import RegistrySource

from chargebee_service.backends.demo import DemoBilling
from chargebee_service.tools import build_registry as billing_registry
from hubspot_service.backends.demo import DemoCrm
from hubspot_service.tools import build_registry as crm_registry
from orchestrator.planning.base import Plan, Step
from orchestrator.planning.rules import RulePlanner, split_clauses
from orchestrator.planning.validation import validate_plan
from orchestrator.security.caller import Caller
from orchestrator.tools.catalog import Catalog
from order_service.service import OrderService
from order_service.tools import build_registry as order_registry

ADA = Caller("ada@example.com")


@pytest.fixture
async def catalog() -> Catalog:
    catalog = Catalog([RegistrySource(billing_registry(DemoBilling())), RegistrySource(crm_registry(DemoCrm()))])
    await catalog.refresh()
    return catalog


async def tools_for(question: str, catalog: Catalog) -> list[str]:
    plan = await RulePlanner().plan(question, ADA, catalog)
    return sorted(step.tool for step in plan.steps)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What plan am I on?", ["chargebee.get_subscription"]),
        ("when does my trial end", ["chargebee.get_subscription"]),
        ("How much do I owe?", ["chargebee.list_invoices"]),
        ("do I have any unpaid invoices?", ["chargebee.list_invoices"]),
        ("what card is on file?", ["chargebee.get_customer"]),
        ("who is my account owner?", ["hubspot.get_contact"]),
        ("show my sales pipeline", ["hubspot.list_deals"]),
        ("do I have open tickets?", ["hubspot.list_tickets"]),
        ("what's the status of my support request", ["hubspot.list_tickets"]),
    ],
)
async def test_a_question_picks_the_tool_that_answers_it(question: str, expected: list[str], catalog: Catalog) -> None:
    assert await tools_for(question, catalog) == expected


async def test_a_compound_question_picks_a_tool_per_part(catalog: Catalog) -> None:
    tools = await tools_for("what plan am I on and do I have open tickets?", catalog)
    assert tools == ["chargebee.get_subscription", "hubspot.list_tickets"]


async def test_three_part_questions_pick_three_tools(catalog: Catalog) -> None:
    tools = await tools_for(
        "Do I have unpaid invoices, what deals do I have open, and who is my account owner?", catalog
    )
    assert tools == ["chargebee.list_invoices", "hubspot.get_contact", "hubspot.list_deals"]


async def test_status_filters_and_limits_are_read_from_the_question(catalog: Catalog) -> None:
    plan = await RulePlanner().plan("show my last 3 unpaid invoices", ADA, catalog)
    (step,) = plan.steps
    assert step.arguments == {"status": "unpaid", "limit": 3}
    tickets = await RulePlanner().plan("list my closed support tickets", ADA, catalog)
    assert tickets.steps[0].arguments == {"status": "closed"}


async def test_the_planner_never_chooses_whose_data_is_read(catalog: Catalog) -> None:
    plan = await RulePlanner().plan("what plan is grace@example.com on?", ADA, catalog)
    assert all("email" not in step.arguments for step in plan.steps)
    steps, _ = validate_plan(plan, catalog, ADA)
    assert [s.arguments["email"] for s in steps] == ["ada@example.com"]


async def test_an_unrelated_question_gets_one_short_question_back_naming_a_few_readings(catalog: Catalog) -> None:
    plan = await RulePlanner().plan("what's the weather in Paris tomorrow?", ADA, catalog)
    assert plan.steps == [] and plan.confidence < 0.3 and plan.intent == "unknown"
    assert plan.message is not None and plan.message.endswith("?") and len(plan.message) < 200
    assert 2 <= plan.message.count("“") <= 3  # two or three readings, not every example


def test_clauses_split_on_question_marks_and_conjunctions_before_a_new_question() -> None:
    assert split_clauses("what plan am I on and do I have open tickets?") == [
        "what plan am I on",
        "do I have open tickets",
    ]
    assert split_clauses("show paid and unpaid invoices") == ["show paid and unpaid invoices"]


async def test_questions_never_plan_or_validate_a_tool_that_writes() -> None:
    catalog = Catalog([RegistrySource(order_registry(_not_running))])
    await catalog.refresh()
    for question in ("cancel my order", "place an order for two margherita pizzas", "order the same again"):
        plan = await RulePlanner().plan(question, ADA, catalog)
        assert all(not catalog.get(step.tool).info.writes for step in plan.steps), question
    cancel = Step(tool="order.cancel_order", arguments={"order_id": "ord-0123456789ab", "reason": "x"})
    forged = Plan(intent="x", confidence=1.0, steps=[cancel])
    accepted, rejected = validate_plan(forged, catalog, ADA)
    assert accepted == [] and rejected[0].error.code.value == "FORBIDDEN"
    allowed = Plan(intent="x", confidence=1.0, steps=[cancel.model_copy(update={"writes_allowed": True})])
    accepted, rejected = validate_plan(allowed, catalog, ADA)
    assert len(accepted) == 1 and rejected == []


def _not_running() -> OrderService:
    raise AssertionError("planning never calls a tool")
