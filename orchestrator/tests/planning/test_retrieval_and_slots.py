"""The retriever and the schema-driven argument extractors behind RulePlanner, over the food services' tools."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from orch_fakes import ScriptedSource, returns
from planning_catalogs import UNUSED, registry_catalog

from mcp_common.wire import ToolInfo
from orchestrator.planning import retrieval, slots, when
from orchestrator.planning.llm import LLMPlanner
from orchestrator.planning.rules import RulePlanner
from orchestrator.security.caller import Caller
from orchestrator.tools.catalog import Catalog

ADA = Caller("ada@example.com")


@pytest.fixture
async def food() -> Catalog:
    return await registry_catalog("menu", "order", "tracking")


async def plan_of(question: str, catalog: Catalog) -> dict[str, dict[str, Any]]:
    plan = await RulePlanner().plan(question, ADA, catalog)
    return {step.tool: step.arguments for step in plan.steps}


@pytest.mark.parametrize(
    ("question", "tool", "expected"),
    [
        ("what was in order ORD-4D5E6F", "order.get_order", {"order_id": "ord-4d5e6f"}),
        ("what's in dish m 21", "menu.get_item", {"item_id": "m-21"}),
        ("compare m-03, m-07 and m-11", "menu.get_items", {"item_ids": ["m-03", "m-07", "m-11"]}),
        (
            "vegan pizzas under a tenner",
            "menu.search_menu",
            {"dietary": ["vegan"], "category": "pizza", "max_price": 10},
        ),
        ("salads for less than 12 dollars", "menu.search_menu", {"category": "salads", "max_price": 12}),
        ("any starters without sesame or soy", "menu.search_menu", {"exclude_allergens": ["sesame", "soy"]}),
        ("do you have lasagna", "menu.search_menu", {"text": "lasagna"}),
        ("mains under twelve pounds fifty", "menu.search_menu", {"category": "mains", "max_price": 12.5}),
        ("cheap burgers, nothing over 9 quid", "menu.search_menu", {"category": "burgers", "max_price": 9}),
    ],
)
async def test_entities_become_the_tools_arguments(
    question: str, tool: str, expected: dict[str, Any], food: Catalog
) -> None:
    planned = await plan_of(question, food)
    assert tool in planned, planned
    for name, value in expected.items():
        got = planned[tool].get(name)
        assert (sorted(got) if isinstance(got, list) else got) == value, (name, planned[tool])


async def test_quantities_and_limits_are_read_as_numbers(food: Catalog) -> None:
    quote = food.get("order.quote_order")
    assert slots.extract("price a couple of m-12 and 3 x m-09 to my home", quote)["items"] == [
        {"item_id": "m-12", "quantity": 2},
        {"item_id": "m-09", "quantity": 3},
    ]
    assert slots.extract("my last two orders", food.get("order.list_orders"))["limit"] == 2
    assert "limit" not in slots.extract("curry under 11 quid", food.get("menu.search_menu"))
    pence = slots.extract("curry under 11 pounds 50", food.get("menu.search_menu"))
    assert pence["max_price"] == 11.5 and "limit" not in pence and "50" not in pence.get("text", "")
    assert slots.extract("desserts under 10 quid and twenty mains", food.get("menu.search_menu"))["max_price"] == 10


async def test_invoice_statuses_in_everyday_words() -> None:
    billing = await registry_catalog("chargebee")
    invoices = billing.get("chargebee.list_invoices")
    assert slots.extract("which invoices havent I paid", invoices)["status"] == "unpaid"
    assert slots.extract("bills I haven't paid", invoices)["status"] == "unpaid"
    assert slots.extract("any void invoices", invoices)["status"] == "voided"


def test_relative_times_become_date_ranges() -> None:
    today = dt.date(2026, 12, 7)
    assert when.relative_dates(" last month ", today) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert when.relative_dates(" what is on tonight ", today) == (today, today)
    assert when.relative_dates(" invoices from march ", today) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


async def test_a_multi_part_question_is_planned_as_several_steps(food: Catalog) -> None:
    planned = await plan_of("track ord-3f9a1c and also what did I order last time", food)
    assert set(planned) == {"tracking.track_order", "order.list_orders"}
    assert planned["tracking.track_order"] == {"order_id": "ord-3f9a1c"}


async def test_an_unsure_question_gets_one_short_clarifying_question(food: Catalog) -> None:
    plan = await RulePlanner().plan("is it any good?", ADA, food)
    assert plan.steps == [] and plan.intent == "unknown" and plan.confidence <= 0.3
    assert plan.message is not None and plan.message.endswith("?") and len(plan.message) < 220
    assert 2 <= plan.message.count("“") <= 3


async def test_a_change_asked_as_a_question_is_not_planned(food: Catalog) -> None:
    plan = await RulePlanner().plan("cancel my order ord-3f9a1c", ADA, food)
    assert plan.steps == [] and plan.intent == "unknown" and plan.message


async def test_features_are_computed_once_per_catalog_listing(food: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    planner = RulePlanner()
    await planner.plan("where is my order?", ADA, food)
    built: list[int] = []
    original = retrieval.build_index

    def counted(tools: Any, options: Any = None) -> retrieval.ToolIndex:
        built.append(1)
        return original(tools, options)

    monkeypatch.setattr(retrieval, "build_index", counted)
    for question in ("where is my order?", "show my past orders", "vegan pizza"):
        await planner.plan(question, ADA, food)
    assert built == []  # no request rebuilt the index
    await food.refresh()  # a new listing: built again, once
    await planner.plan("where is my order?", ADA, food)
    await planner.plan("show my past orders", ADA, food)
    assert built == [1]


def _third_party(name: str, description: str) -> ToolInfo:
    return ToolInfo(
        name=name,
        description=description,
        input_schema={"type": "object", "properties": {"location": {"type": "string", "description": "City name."}}},
        output_schema={"type": "object"},
        writes=False,
        identity_args=[],
        cache_ttl_s=0.0,
        examples=[],
    )


async def test_a_third_party_tool_without_examples_is_found_by_its_description(food: Catalog) -> None:
    weather = _third_party("get_forecast", "Weather forecast for a city: temperature, chance of rain and wind per day.")
    holidays = _third_party("list_holidays", "Public holidays of a country for a year.")
    source = ScriptedSource(
        "acme", {"get_forecast": (weather, returns("sunny")), "list_holidays": (holidays, returns("none"))}
    )
    catalog = Catalog([*food.sources.values(), source])
    await catalog.refresh()
    planned = await plan_of("will it rain in Leeds?", catalog)
    assert list(planned) == ["acme.get_forecast"]
    assert next(t.name for t in retrieval.rank_tools("rain forecast", catalog.readable_by(ADA))) == "acme.get_forecast"


async def test_the_model_planner_preselects_with_the_same_retriever(food: Catalog) -> None:
    from orchestrator.planning.llm import LLMPlannerConfig

    planner = LLMPlanner(UNUSED, UNUSED, fallback=RulePlanner(), config=LLMPlannerConfig(max_prompt_tools=2))
    chosen = planner._candidates("where is my order ord-3f9a1c?", food.readable_by(ADA))
    assert "tracking.track_order" in {t.name for t in chosen} and len(chosen) == 2


@pytest.mark.parametrize(
    ("question", "tool", "arguments"),
    [("thai food under a tenner", "menu.search_menu", {"text": "thai", "max_price": 10}),
     ("anything thai and spicy?", "menu.search_menu", {"text": "thai spicy"}),
     ("are my favourite cuisines set to greek and thai?", "customer_profile.get_profile", {}),
     # "food" after a cuisine names the kind of value: it does not pull towards tools whose text says "food"
     ("is there any italian food", "menu.search_menu", {"text": "italian"}),
     ("curry food please", "menu.search_menu", {"text": "curry"}),
     ("do you serve greek cuisine", "menu.search_menu", {"text": "greek"}),
     ("did my indian food arrive", "tracking.track_order", {}),
     ("what food do I usually order", "order.list_orders", {})],
)  # fmt: skip
async def test_a_dish_or_cuisine_is_a_value_to_search_not_a_word_choosing_the_tool(
    question: str, tool: str, arguments: dict[str, Any]
) -> None:
    catalog = await registry_catalog("menu", "order", "tracking", "recommendations", "customer_profile")
    assert await plan_of(question, catalog) == {tool: arguments}


async def test_a_value_some_argument_lists_still_chooses_the_tool(food: Catalog) -> None:
    index = retrieval.index_for(food.readable_by(ADA))
    assert {"main", "dessert", "vegan"} <= index.enum_stems  # menu sections and diets are enum values
    assert "main" in index.query("which mains are vegan").terms
