"""Remarks: a part of a question that states something ("my partner is allergic to it", "before I order")
sets the scene for the question beside it and is not planned as a question of its own, unless the rest
reads as no tool or points back at it."""

from __future__ import annotations

import pytest
from planning_catalogs import every_catalog

from orchestrator.planning.remarks import is_remark, remarks_among
from orchestrator.planning.rules import RulePlanner
from orchestrator.security.caller import Caller
from orchestrator.tools.catalog import Catalog

ADA = Caller("ada@example.com")


@pytest.fixture
async def catalog() -> Catalog:
    return await every_catalog()


@pytest.mark.parametrize(
    "part",
    ["my partner is allergic to it", "before I order", "I'm bored of my usual", "the link never arrived",
     "since my last order", "I moved flat in the summer", "the courier hasn't moved", "as I'm vegetarian"],
)  # fmt: skip
def test_statements_and_subordinate_clauses_are_remarks(part: str) -> None:
    assert is_remark(part, f"{part}, what do you recommend")


@pytest.mark.parametrize(
    "part",
    ["I'd like my invoices", "I'm after a vegetarian dinner idea", "I'm looking for something spicy",
     "the drinks that are dairy-free", "my order is late", "I was wondering when my order comes",
     "where is my order", "show me my invoices", "my invoices", "I just want to know my plan",
     "I was wondering about my plan"],
)  # fmt: skip
def test_requests_and_questions_are_not_remarks(part: str) -> None:
    question = f"{part}? and what plan am I on" if part == "my order is late" else f"{part}, and what plan am I on"
    assert not is_remark(part, question)


def test_a_remark_the_next_part_points_back_at_is_what_it_asks_about() -> None:
    question = "my debit card runs till 09/27, is that the one you've got saved"
    assert remarks_among(["my debit card runs till 09/27", "is that the one you've got saved"], question) == [
        False,
        False,
    ]
    question = "I've been charged twice, what's going on"
    assert remarks_among(["I've been charged twice", "what's going on"], question) == [False, False]
    question = "the app has said preparing for 40 mins now, what's going on with my food"
    parts = ["the app has said preparing for 40 mins now", "what's going on with my food"]
    assert remarks_among(parts, question) == [True, False]  # the follow-up names its own subject


def test_a_question_alone_is_never_a_remark() -> None:
    assert remarks_among(["my order never arrived"], "my order never arrived") == [False]


@pytest.mark.parametrize(
    ("question", "tools"),
    [("I'm allergic to nuts, what starters can I have", ["menu.search_menu"]),
     ("I'm vegetarian, what do you recommend", ["recommendations.recommend"]),
     ("any gluten-free pizzas? my son is coeliac", ["menu.search_menu"]),
     ("I was charged for a pizza I never got, show me my invoices", ["chargebee.list_invoices"]),
     ("the courier looks lost, where's my order", ["tracking.track_order"]),
     ("I just want to know my plan, and what's on the menu", ["chargebee.get_subscription", "menu.list_categories"]),
     # the rest reads as no tool: the remark is the question
     ("my order never arrived, can you check", ["tracking.track_order"]),
     ("I've been charged twice, what's going on", ["chargebee.list_invoices"]),
     # the next part points back at the remark: planned with it
     ("my card expires next month, is that the one you have for billing", ["chargebee.get_customer"]),
     ("my order ord-3f9a1c2b7d4e is late, where is it", ["tracking.track_order"])],
)  # fmt: skip
async def test_remarks_are_planned_only_when_the_rest_needs_them(
    catalog: Catalog, question: str, tools: list[str]
) -> None:
    plan = await RulePlanner().plan(question, ADA, catalog)
    assert sorted(step.tool for step in plan.steps) == sorted(tools), plan


async def test_a_remark_pointed_back_at_is_planned(catalog: Catalog) -> None:
    """The question asks about the card the remark names ("is that the one you've got saved")."""
    plan = await RulePlanner().plan("my credit card runs out in june, is that the one you've got saved", ADA, catalog)
    assert "chargebee.get_customer" in [step.tool for step in plan.steps]
