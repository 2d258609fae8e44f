"""A part of a question that points back ("it", "them", "which one") is about what the part before it named:
it takes that part's ids, and a loosely joined remark about the same thing is not a second question."""

from __future__ import annotations

import pytest
from planning_catalogs import registry_catalog

from orchestrator.planning.retrieval import index_for
from orchestrator.planning.rules import RulePlanner, carry_ids
from orchestrator.security.caller import Caller
from orchestrator.tools.catalog import Catalog

ADA = Caller("ada@example.com")


@pytest.fixture
async def catalog() -> Catalog:
    return await registry_catalog("menu", "order", "tracking", "customer_profile", "chargebee", "hubspot")


def test_ids_are_carried_only_into_a_part_that_points_back_and_names_none(catalog: Catalog) -> None:
    prefixes = index_for(catalog.readable_by(ADA)).id_prefixes
    assert {"m", "ord"} <= set(prefixes)
    assert carry_ids(["where is ord-12ab34", "what did it cost"], prefixes) == [
        "where is ord-12ab34",
        "what did it cost (ord-12ab34)",
    ]
    # a part naming its own ids, or not pointing back, keeps its words
    assert carry_ids(["where is ord-12ab34", "what did ord-99ff00 cost"], prefixes)[1] == "what did ord-99ff00 cost"
    assert carry_ids(["where is ord-12ab34", "what plan am I on"], prefixes)[1] == "what plan am I on"
    # the nearest ids before are the ones meant
    assert carry_ids(["is m-10 vegan", "is m-12 spicy", "how much is it"], prefixes)[2] == "how much is it (m-12)"


async def test_a_second_question_about_the_order_named_before_plans_with_its_id(catalog: Catalog) -> None:
    plan = await RulePlanner().plan("where is ord-12ab34, and also what did I pay for it", ADA, catalog)
    steps = {s.tool: s.arguments for s in plan.steps}
    assert steps.keys() == {"tracking.track_order", "order.get_order"}
    assert steps["order.get_order"]["order_id"] == steps["tracking.track_order"]["order_id"] == "ord-12ab34"


async def test_which_one_of_two_items_is_asked_of_those_items(catalog: Catalog) -> None:
    plan = await RulePlanner().plan("m-10 or m-12, which one is gluten free", ADA, catalog)
    assert [(s.tool, sorted(s.arguments["item_ids"])) for s in plan.steps] == [("menu.get_items", ["m-10", "m-12"])]


@pytest.mark.parametrize(
    "question", ["vegan desserts please, my flatmate is allergic to them", "dairy-free mains, my kid reacts to it"]
)
async def test_a_remark_about_the_same_thing_is_not_a_second_question(catalog: Catalog, question: str) -> None:
    plan = await RulePlanner().plan(question, ADA, catalog)
    assert [s.tool for s in plan.steps] == ["menu.search_menu"]


async def test_a_question_about_the_thing_named_before_is_one_question_about_it(catalog: Catalog) -> None:
    plan = await RulePlanner().plan("the card you've got saved, when does it run out", ADA, catalog)
    assert [s.tool for s in plan.steps] == ["chargebee.get_customer"]


async def test_a_part_naming_its_own_id_is_its_own_question_even_when_it_points_back(catalog: Catalog) -> None:
    plan = await RulePlanner().plan("what's in ord-c0ffee & is m-12 in it", ADA, catalog)
    assert {s.tool: s.arguments for s in plan.steps} == {
        "order.get_order": {"order_id": "ord-c0ffee"},
        "menu.get_item": {"item_id": "m-12"},
    }


async def test_an_alternative_after_a_comma_is_the_same_question() -> None:
    """ "is it renewing in january, or did I switch that off" offers two answers to one question."""
    catalog = await registry_catalog("chargebee", "hubspot", "firebase", "order", "tracking")
    for question, tools in (
        ("is my membership going to renew in january, or did I switch that off", ["chargebee.get_subscription"]),
        ("is my order on its way, or has it been delivered already", ["tracking.track_order"]),
        ("what plan am I on, and do I owe anything", ["chargebee.get_subscription", "chargebee.list_invoices"]),
    ):
        plan = await RulePlanner().plan(question, ADA, catalog)
        assert sorted(s.tool for s in plan.steps) == tools, question
