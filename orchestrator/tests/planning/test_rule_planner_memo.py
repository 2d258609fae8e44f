"""The rule planner plans a question once per listing and day, whoever asks it, and hands each caller a copy;
the catalog works out each allowlist's readable tools once per listing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from orch_fakes import ScriptedSource, returns, tool_info
from planning_catalogs import registry_catalog

from mcp_common.wire import ToolInfo
from orchestrator.planning import rules
from orchestrator.planning.rules import RulePlanner
from orchestrator.security.caller import Caller
from orchestrator.tools import catalog as catalog_module
from orchestrator.tools.catalog import Catalog

ADA = Caller("ada@example.com")
BOB = Caller("bob@example.com")
HUBSPOT_ONLY = Caller("cy@example.com", allowed_tools=("hubspot.*",))


class Counting(RulePlanner):
    """A rule planner that counts the questions it actually works out."""

    def __init__(self) -> None:
        super().__init__()
        self.worked: list[str] = []

    def _plan(self, question: str, *args: Any) -> Any:
        self.worked.append(question)
        return super()._plan(question, *args)


@pytest.fixture
async def catalog() -> Catalog:
    return await registry_catalog("menu", "order", "tracking", "customer_profile", "chargebee", "hubspot")


async def test_a_question_asked_again_is_not_worked_out_again_and_each_caller_gets_a_copy(catalog: Catalog) -> None:
    planner = Counting()
    question = "what plan am I on and do I have open tickets?"
    first = await planner.plan(question, ADA, catalog)
    first.steps[1].arguments["status"] = "closed"  # what one request does with its plan stays with it
    first.steps.pop(0)
    second = await planner.plan(question, BOB, catalog)
    expected = [("chargebee.get_subscription", {}), ("hubspot.list_tickets", {"status": "open"})]
    assert [(s.tool, s.arguments) for s in second.steps] == expected
    second.steps[0].arguments["email"] = "bob@example.com"  # as validation binds it, on its own copy
    third = await planner.plan(question, ADA, catalog)

    assert planner.worked == [question]
    assert [(s.tool, s.arguments) for s in third.steps] == expected
    assert second.cached is False  # `cached` is the model's shared plan cache, not this
    await planner.plan(question + " ", ADA, catalog)  # another text is another question
    assert planner.worked == [question, question + " "]


async def test_a_caller_with_fewer_tools_is_planned_over_their_own(catalog: Catalog) -> None:
    planner = Counting()
    everyone = await planner.plan("what plan am I on", ADA, catalog)
    restricted = await planner.plan("what plan am I on", HUBSPOT_ONLY, catalog)

    assert [s.tool for s in everyone.steps] == ["chargebee.get_subscription"]
    assert restricted.steps == [] and restricted.intent == "unknown"
    assert len(planner.worked) == 2
    assert [s.tool for s in (await planner.plan("what plan am I on", ADA, catalog)).steps] == [
        "chargebee.get_subscription"
    ]
    assert len(planner.worked) == 2


def _dated_tool() -> ToolInfo:
    info = tool_info("list_visits", examples=("which visits did I have",))
    schema = dict(info.input_schema)
    schema["properties"] = schema["properties"] | {
        "since": {"type": "string", "format": "date", "description": "First day, inclusive."},
        "until": {"type": "string", "format": "date", "description": "Last day, inclusive."},
    }
    return info.model_copy(update={"input_schema": schema})


class _Today:
    def __init__(self, day: dt.date) -> None:
        self.day = day

    def today(self) -> dt.date:
        return self.day


async def test_a_plan_with_relative_dates_is_worked_out_anew_the_next_day(monkeypatch: pytest.MonkeyPatch) -> None:
    source = ScriptedSource(
        "clinic",
        {
            "list_visits": (_dated_tool(), returns("visits")),
            "get_plan": (tool_info("get_plan", examples=("what plan am I on",)), returns("pro")),
        },
    )
    catalog = Catalog([source])
    await catalog.refresh()
    clock = _Today(dt.date(2026, 12, 7))

    class Dates:
        date = clock

    monkeypatch.setattr(rules, "dt", Dates)
    planner = Counting()
    question = "which visits did I have yesterday"
    monday = await planner.plan(question, ADA, catalog)
    again = await planner.plan(question, ADA, catalog)
    clock.day = dt.date(2026, 12, 8)
    tuesday = await planner.plan(question, ADA, catalog)

    assert monday.steps[0].arguments == again.steps[0].arguments == {"since": "2026-12-06", "until": "2026-12-06"}
    assert tuesday.steps[0].arguments == {"since": "2026-12-07", "until": "2026-12-07"}
    assert planner.worked == [question, question]


async def test_a_refresh_drops_the_plans_of_the_listing_before() -> None:
    source = ScriptedSource(
        "shop", {"get_plan": (tool_info("get_plan", examples=("what plan am I on",)), returns("p"))}
    )
    catalog = Catalog([source])
    await catalog.refresh()
    planner = Counting()
    for question in ("what plan am I on", "which plan do I have"):
        await planner.plan(question, ADA, catalog)
    before = catalog.listing

    await catalog.refresh()  # the same tools listed anew: new objects, a new listing
    await planner.plan("what plan am I on", ADA, catalog)

    assert catalog.listing is not before
    assert planner.worked == ["what plan am I on", "which plan do I have", "what plan am I on"]
    assert len(planner._plans) == 1  # nothing of the old listing is kept alive


async def test_remembered_plans_are_bounded(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "PLANS_KEPT", 3)
    planner = Counting()
    questions = [f"where is order ord-00000{n}" for n in range(5)]
    for question in questions:
        await planner.plan(question, ADA, catalog)
    await planner.plan(questions[-1], ADA, catalog)
    await planner.plan(questions[0], ADA, catalog)  # forgotten: worked out again
    assert planner.worked == [*questions, questions[0]]
    long = "where is my order " + "please " * 80
    await planner.plan(long, ADA, catalog)
    await planner.plan(long, ADA, catalog)  # too long to remember
    assert planner.worked.count(long) == 2


async def test_readable_tools_follow_each_refresh_and_each_allowlist(monkeypatch: pytest.MonkeyPatch) -> None:
    source = ScriptedSource(
        "shop",
        {
            "get_plan": (tool_info("get_plan"), returns("pro")),
            "get_invoice": (tool_info("get_invoice"), returns("inv")),
            "cancel": (tool_info("cancel", writes=True), returns("done")),
        },
    )
    catalog = Catalog([source])
    await catalog.refresh()
    plans_only = Caller("ada@example.com", allowed_tools=("shop.get_plan",))

    listed = catalog.readable_by(ADA)
    listed.clear()  # a caller's list is theirs to change
    assert [t.name for t in catalog.readable_by(ADA)] == ["shop.get_invoice", "shop.get_plan"]
    assert [t.name for t in catalog.readable_by(plans_only)] == ["shop.get_plan"]

    del source.tools["get_plan"]
    await catalog.refresh()
    assert [t.name for t in catalog.readable_by(ADA)] == ["shop.get_invoice"]
    assert catalog.readable_by(plans_only) == []

    monkeypatch.setattr(catalog_module, "ALLOWLISTS_KEPT", 2)
    for n in range(5):
        catalog.readable_by(Caller("ada@example.com", allowed_tools=(f"shop.x{n}",)))
    assert len(catalog._readable) == 2
