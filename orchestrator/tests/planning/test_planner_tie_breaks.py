"""General tie-breaks of RulePlanner: what the dishes a question names fit, a tool's verb on a foreign
object, past-tense ordering, over the food services' tools (menu, orders, tracking, recommendations)."""

from __future__ import annotations

import pytest
from planning_catalogs import REGISTRIES, registry_catalog

from orchestrator.planning import retrieval
from orchestrator.planning.rules import RulePlanner
from orchestrator.security.caller import Caller
from orchestrator.tools.catalog import Catalog

ADA = Caller("ada@example.com")


@pytest.fixture
async def food() -> Catalog:
    return await registry_catalog("menu", "order", "tracking", "recommendations")


async def tools_for(question: str, catalog: Catalog) -> list[str]:
    plan = await RulePlanner().plan(question, ADA, catalog)
    return sorted(step.tool for step in plan.steps)


@pytest.mark.parametrize("question", ["got any samosas?", "you have lassi?", "any mango"])
async def test_a_bare_dish_name_goes_to_the_tool_that_searches_food(question: str, food: Catalog) -> None:
    assert await tools_for(question, food) == ["menu.search_menu"]


async def test_counted_dishes_are_an_order_line_to_price(food: Catalog) -> None:
    assert await tools_for("how much would 3 samosas and a mango lassi be with delivery", food) == ["order.quote_order"]


async def test_a_dish_word_is_an_entity_never_corrected_to_a_catalog_word(food: Catalog) -> None:
    index = retrieval.index_for(food.readable_by(ADA))
    query = index.query("2 pizzas and a garlic bread")
    assert "brand" not in query.terms and "bread" not in query.terms  # "bread" is a dish, not a misspelt "brand"
    assert query.dishes >= 1 and query.counted


@pytest.mark.parametrize("question", ["track my ebay package", "recommend a good podcast for the weekend"])
async def test_a_tools_verb_on_something_no_tool_has_is_answered_with_a_question(question: str, food: Catalog) -> None:
    plan = await RulePlanner().plan(question, ADA, food)
    assert plan.steps == [] and plan.intent == "unknown" and plan.message


@pytest.mark.parametrize(
    ("question", "expected"),
    [("track my order", "tracking.track_order"), ("recommend something spicy", "recommendations.recommend")],
)
async def test_a_tools_verb_on_its_own_things_still_plans(question: str, expected: str, food: Catalog) -> None:
    assert await tools_for(question, food) == [expected]


@pytest.mark.parametrize("question", ["what did I order on friday", "have I ordered the curry before"])
async def test_ordering_in_the_past_reads_the_order_history(question: str, food: Catalog) -> None:
    assert await tools_for(question, food) == ["order.list_orders"]


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("what desserts do you have", "desserts"),
        ("show me the starters", "starters"),
        ("what mains are there", "mains"),
    ],
)
async def test_a_section_named_goes_to_the_tool_that_takes_it(question: str, section: str) -> None:
    """The search (its `category` takes the section) and the overview of sections (which lists it) tie on the
    words; the tool that takes the value named wins the tie."""
    catalog = await registry_catalog("menu", "order", "tracking", "recommendations", "customer_profile")
    plan = await RulePlanner().plan(question, ADA, catalog)
    assert [(s.tool, s.arguments.get("category")) for s in plan.steps] == [("menu.search_menu", section)]


async def test_the_value_tie_break_leaves_a_clear_lead_alone(food: Catalog) -> None:
    """Only a near tie is broken by the value: "what sections does the menu have" still lists the sections."""
    assert await tools_for("what sections does the menu have", food) == ["menu.list_categories"]


async def test_a_plural_named_goes_to_the_tool_named_with_it(food: Catalog) -> None:
    """ "my orders" ties the order tools on their words; `list_orders` is named with the plural."""
    assert await tools_for("my orders", food) == ["order.list_orders"]


async def test_list_is_a_way_of_asking_not_the_overview_of_sections(food: Catalog) -> None:
    plan = await RulePlanner().plan("list the desserts", ADA, food)
    assert [(s.tool, s.arguments.get("category")) for s in plan.steps] == [("menu.search_menu", "desserts")]


async def test_food_after_a_diet_names_no_tool_of_its_own() -> None:
    """ "halal food": the diet is the value; "food" does not pull the customer's "food profile"."""
    catalog = await registry_catalog(*REGISTRIES)
    plan = await RulePlanner().plan("what halal food do you have", ADA, catalog)
    assert [(s.tool, s.arguments.get("dietary")) for s in plan.steps] == [("menu.search_menu", ["halal"])]
