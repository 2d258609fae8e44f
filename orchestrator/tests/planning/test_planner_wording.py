"""Everyday wordings the synonym lexicon reads (clipped CRM words, a support "query", a plan that is
"active", a diet, the delivery guy), and words that are a cue only in context: "under" names a price only
before an amount, "lost" a deal only as a deal."""

from __future__ import annotations

import pytest
from planning_catalogs import every_catalog

from orchestrator.planning import money
from orchestrator.planning.retrieval import index_for
from orchestrator.planning.rules import RulePlanner
from orchestrator.security.caller import Caller
from orchestrator.tools.catalog import Catalog

ADA = Caller("ada@example.com")


@pytest.fixture
async def catalog() -> Catalog:
    return await every_catalog()


@pytest.mark.parametrize(
    ("question", "tool"),
    [("how many opps have we got open", "hubspot.list_deals"),
     ("has anyone sorted out the problem I raised", "hubspot.list_tickets"),
     ("there's a problem with my login", "firebase.get_user"),  # a problem alone is about the thing, not a ticket
     ("show me the desserts sorted by price", "menu.search_menu"),  # "sorted" of order, not of a fix
     ("has my complaint been sorted", "hubspot.list_tickets"),
     ("do you have diet coke", "menu.search_menu"),  # a drink, not the customer's diet
     ("is my plan still active", "chargebee.get_subscription"),
     ("which diet am I on", "customer_profile.get_profile"),
     ("what's the name of the delivery driver", "tracking.track_order"),
     ("what's my user id", "firebase.get_user"),
     ("how is the menu split up", "menu.list_categories"),
     ("which delivery addresses have I saved", "customer_profile.get_profile"),
     ("is peanut one of my allergens", "customer_profile.get_profile"),
     ("what goes well with a rainy evening", "recommendations.recommend"),
     ("is the rider nearly here", "tracking.track_order"),
     ("my order is taking ages", "tracking.track_order"),
     ("whereabouts is my delivery", "tracking.track_order"),
     ("what's popular", "recommendations.recommend"),
     ("price up a large pepperoni for me", "order.quote_order"),
     ("how many sessions did I have last week", "firebase.get_app_usage"),
     ("which proposals are still pending", "hubspot.list_deals"),
     ("how many orders have I placed this year", "order.list_orders")],
)  # fmt: skip
async def test_everyday_words_plan_the_tool_they_mean(catalog: Catalog, question: str, tool: str) -> None:
    plan = await RulePlanner().plan(question, ADA, catalog)
    assert [s.tool for s in plan.steps] == [tool]


@pytest.mark.parametrize(
    ("question", "arguments"),
    [("what entrees do you have", {"category": "mains"}),
     ("any appetizers under 10 bucks", {"category": "starters", "max_price": 10})],
)  # fmt: skip
async def test_american_menu_words_name_the_sections(
    catalog: Catalog, question: str, arguments: dict[str, object]
) -> None:
    plan = await RulePlanner().plan(question, ADA, catalog)
    assert [(s.tool, s.arguments) for s in plan.steps] == [("menu.search_menu", arguments)]


async def test_food_i_have_delivered_is_past_orders(catalog: Catalog) -> None:
    index = index_for(catalog.readable_by(ADA))
    assert {"past", "order"} <= set(index.query("what did I have delivered").terms)


@pytest.mark.parametrize(
    ("text", "price"),
    [("vegan mains under £12", True), ("less than 12 dollars", True), ("anything under a tenner", True),
     ("up to £20", True), ("which company have you got me under", False), ("up to 50 of them", False),
     ("the last 3 orders", False)],
)  # fmt: skip
def test_a_price_limit_needs_an_amount(text: str, price: bool) -> None:
    assert money.names_a_price_limit(text) is price


async def test_under_without_an_amount_is_no_price(catalog: Catalog) -> None:
    index = index_for(catalog.readable_by(ADA))
    price = "pric"
    assert price in index.query("desserts under £6").terms
    assert price not in index.query("which company have you got me under").terms
    assert price not in index.query("every order, up to 50 of them").terms


async def test_getting_lost_is_not_a_deal(catalog: Catalog) -> None:
    index = index_for(catalog.readable_by(ADA))
    assert "deal" not in index.query("did the guy get lost").terms
    assert "deal" in index.query("which deals have we lost this year").terms


@pytest.mark.parametrize(
    ("question", "text"),
    [("any dishes with courgette?", "courgette"), ("do you have anything with chickpeas", "chickpea"),
     ("got any tempeh", "tempeh"), ("search the menu for jackfruit", "jackfruit")],
)  # fmt: skip
async def test_an_ingredient_is_searched_for(catalog: Catalog, question: str, text: str) -> None:
    plan = await RulePlanner().plan(question, ADA, catalog)
    assert [(s.tool, s.arguments.get("text")) for s in plan.steps] == [("menu.search_menu", text)]


async def test_a_word_of_a_known_phrase_is_not_read_as_a_misspelling(catalog: Catalog) -> None:
    """A phrase of the lexicon ("postal address") is read whole: "postal" is no misspelt "posted"."""
    index = index_for(catalog.readable_by(ADA))
    assert "post" not in index.query("which postal address is on my billing account").terms
    plan = await RulePlanner().plan("which postal address is on my billing account", ADA, catalog)
    assert [s.tool for s in plan.steps] == ["chargebee.get_customer"]


async def test_what_a_record_is_about_describes_it(catalog: Catalog) -> None:
    """In "the ticket about my login problem" the login describes the ticket, the thing asked for."""
    index = index_for(catalog.readable_by(ADA))
    terms = index.query("did the ticket about my login problem get resolved").terms
    assert terms["login"] < 1.0
    assert terms["ticket"] == 1.0
    assert terms["resolv"] == 1.0  # the question goes on after the topic
    assert index.query("why can't I login").terms["login"] == 1.0
    for question in ("did the ticket about my login problem get resolved",
                     "any update on my complaint about the late delivery"):  # fmt: skip
        plan = await RulePlanner().plan(question, ADA, catalog)
        assert [s.tool for s in plan.steps] == ["hubspot.list_tickets"], question


async def test_adding_up_is_a_sum_not_a_change(catalog: Catalog) -> None:
    plan = await RulePlanner().plan("add up everything I've paid across all my invoices", ADA, catalog)
    assert [s.tool for s in plan.steps] == ["chargebee.list_invoices"]
    plan = await RulePlanner().plan("add a pizza to my order", ADA, catalog)
    assert plan.steps == []  # a change: never planned in a one-shot question


@pytest.mark.parametrize(
    ("question", "tools"),
    [("where did my order go", ["tracking.track_order"]),
     ("what email do my billing receipts go to", ["chargebee.get_customer"]),
     ("how's it going", [])],  # small talk: asked back
)  # fmt: skip
async def test_going_is_no_cue(catalog: Catalog, question: str, tools: list[str]) -> None:
    plan = await RulePlanner().plan(question, ADA, catalog)
    assert [s.tool for s in plan.steps] == tools
    plan = await RulePlanner().plan("what's going on with my order", ADA, catalog)
    assert "hubspot.list_tickets" not in [s.tool for s in plan.steps]  # "going on" names no ticket


async def test_on_file_says_stored_not_which_thing(catalog: Catalog) -> None:
    index = index_for(catalog.readable_by(ADA))
    assert "fil" not in index.query("what diet have you got me on file as").terms
    plan = await RulePlanner().plan("what diet have you got me on file as", ADA, catalog)
    assert [s.tool for s in plan.steps] == ["customer_profile.get_profile"]
    plan = await RulePlanner().plan("which card do you have on record for billing", ADA, catalog)
    assert [s.tool for s in plan.steps] == ["chargebee.get_customer"]
