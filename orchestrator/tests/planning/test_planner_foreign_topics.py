"""A question about a subject no tool here answers (travel, weather, sport, shopping elsewhere…) is asked
back instead of planned with the nearest tool; a catalog that does answer it plans it."""

from __future__ import annotations

import pytest
from orch_fakes import RegistrySource
from planning_catalogs import REGISTRIES, registry_catalog
from pydantic import BaseModel, Field

from mcp_common.registry import ToolRegistry, ToolSpec
from orchestrator.planning.foreign import FOREIGN_WORDS
from orchestrator.planning.rules import RulePlanner
from orchestrator.security.caller import Caller
from orchestrator.tools.catalog import Catalog

ADA = Caller("ada@example.com")
EVERY_SERVICE = ("menu", "order", "tracking", "recommendations", "customer_profile", "chargebee", "hubspot")


@pytest.fixture
async def catalog() -> Catalog:
    return await registry_catalog(*EVERY_SERVICE)


@pytest.mark.parametrize(
    "question",
    ["track my flight BA117", "is it going to rain this weekend", "recommend me a laptop for work",
     "what time does the museum open", "what's the exchange rate for euros today", "what is 12 times 7",
     "work out 250 + 17 for me", "who won the nba game", "who are you", "how are you today", "what time is it",
     "can I speak to a human please", "what are your opening hours"],
)  # fmt: skip
async def test_a_foreign_subject_is_asked_back(catalog: Catalog, question: str) -> None:
    plan = await RulePlanner().plan(question, ADA, catalog)
    assert not plan.steps and plan.intent == "unknown"
    assert plan.message is not None and plan.message.startswith("I'm not sure I can help with that")
    assert plan.confidence <= 0.3


async def test_one_foreign_part_makes_the_whole_question_ask_back(catalog: Catalog) -> None:
    plan = await RulePlanner().plan("is it going to rain tonight, and where is my order", ADA, catalog)
    assert not plan.steps and plan.message is not None and plan.message.startswith("Did you mean")


@pytest.mark.parametrize(
    ("question", "tool"),
    [("where is my order", "tracking.track_order"), ("has ord-12ab34 arrived yet", "tracking.track_order"),
     ("is m-12 in stock today", "menu.get_item"), ("any news on my support ticket", "hubspot.list_tickets"),
     ("how much would 2 x m-12 cost", "order.quote_order"),
     ("my card expires 09/27, is that the card you have on file", "chargebee.get_customer"),
     ("who are you sending my invoices to", "chargebee.list_invoices"),
     ("what time will my order arrive", "tracking.track_order"),
     ("what's the price of 2 + 1 samosas", "menu.search_menu")],
)  # fmt: skip
async def test_everyday_questions_here_are_still_planned(catalog: Catalog, question: str, tool: str) -> None:
    plan = await RulePlanner().plan(question, ADA, catalog)
    assert [s.tool for s in plan.steps] == [tool]


class CityArgs(BaseModel):
    city: str = Field(description="City name, e.g. Paris.")


class Forecast(BaseModel):
    summary: str


async def _never(args: CityArgs, ctx: object) -> Forecast:
    raise AssertionError("planning calls nothing")


async def test_a_catalog_that_answers_the_subject_plans_it() -> None:
    weather = ToolRegistry("weather")
    weather.add(
        ToolSpec(name="get_forecast", description="Weather forecast for a city: rain, sun, temperature.",
                 input_model=CityArgs, output_model=Forecast, handler=_never,
                 examples=("will it rain in Paris tomorrow?", "weather forecast for Leeds"))
    )  # fmt: skip
    catalog = Catalog([RegistrySource(weather), *(RegistrySource(REGISTRIES[name]()) for name in ("menu", "tracking"))])
    await catalog.refresh()
    assert {"weather", "rain", "forecast"} <= FOREIGN_WORDS
    plan = await RulePlanner().plan("is it going to rain this weekend", ADA, catalog)
    assert [s.tool for s in plan.steps] == ["weather.get_forecast"]


@pytest.mark.parametrize("question", ["who are you", "hello", "how are you today"])
async def test_small_talk_is_offered_a_reading_from_each_of_three_services(catalog: Catalog, question: str) -> None:
    """Nothing is near small talk, so the readings offered are a spread, not the tools that happen to score."""
    plan = await RulePlanner().plan(question, ADA, catalog)
    assert not plan.steps and plan.message is not None
    assert plan.message.startswith("I'm not sure I can help with that. I can answer things like")
    offered = [
        t for t in catalog.tools() if t.info.examples and f"“{t.info.examples[0].rstrip('?.! ')}”" in plan.message
    ]
    assert len(offered) == 3 and len({t.service for t in offered}) == 3


async def test_a_subject_no_tool_answers_is_offered_the_nearest_reading(catalog: Catalog) -> None:
    plan = await RulePlanner().plan("track my flight BA117", ADA, catalog)
    assert plan.message is not None and "“where is my order”" in plan.message
