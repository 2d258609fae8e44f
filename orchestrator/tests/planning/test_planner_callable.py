"""General rules of RulePlanner about arguments: example values in a schema are not a tool's topic, a place
name is a value for a time-zone argument, a near tie goes to the tool the question can call, and a bare
noun the whole clause's tool declares is not a second question. Over the food and profile services plus
a third-party time server's listing (`mcp-server-time`: `get_current_time`, `convert_time`)."""

from __future__ import annotations

from typing import Any

import pytest
from orch_fakes import ScriptedSource, returns
from planning_catalogs import registry_catalog

from mcp_common.wire import ToolInfo
from orchestrator.planning import fit, retrieval, slots
from orchestrator.planning.base import Plan, Step
from orchestrator.planning.rules import RulePlanner, _bare_noun
from orchestrator.planning.validation import RejectedStep, check_plan
from orchestrator.security.caller import Caller
from orchestrator.synthesis.base import missing_note
from orchestrator.tools.catalog import Catalog

ADA = Caller("ada@example.com")
_ZONE = "IANA timezone name (e.g., 'America/New_York', 'Europe/London'). Use 'UTC' as local timezone if none given."


def _tool(name: str, description: str, properties: dict[str, Any], examples: list[str] | None = None) -> ToolInfo:
    return ToolInfo(
        name=name,
        description=description,
        input_schema={"type": "object", "properties": properties, "required": list(properties)},
        output_schema={"type": "object"},
        writes=False,
        identity_args=[],
        cache_ttl_s=0.0,
        examples=examples or [],
    )


def time_source(*, default: str | None = None, examples: list[str] | None = None) -> ScriptedSource:
    zone: dict[str, Any] = {"type": "string", "description": _ZONE} | ({"default": default} if default else {})
    current = _tool("get_current_time", "Get current time in a specific timezones", {"timezone": zone}, examples)
    target = _ZONE.replace("'America/New_York', 'Europe/London'", "'Asia/Tokyo', 'America/San_Francisco'")
    convert = _tool(
        "convert_time",
        "Convert time between timezones",
        {
            "source_timezone": {"type": "string", "description": f"Source {_ZONE}"},
            "time": {"type": "string", "description": "Time to convert in 24-hour format (HH:MM)"},
            "target_timezone": {"type": "string", "description": f"Target {target}"},
        },
    )
    return ScriptedSource(
        "time", {"get_current_time": (current, returns("now")), "convert_time": (convert, returns("then"))}
    )


@pytest.fixture
async def food() -> Catalog:
    return await registry_catalog("menu", "order", "tracking", "recommendations", "customer_profile")


async def with_time(food: Catalog, source: ScriptedSource) -> Catalog:
    catalog = Catalog([*food.sources.values(), source])
    await catalog.refresh()
    return catalog


async def plan_of(question: str, catalog: Catalog) -> dict[str, dict[str, Any]]:
    plan = await RulePlanner().plan(question, ADA, catalog)
    return {step.tool: step.arguments for step in plan.steps}


def test_example_values_in_a_schema_description_are_not_the_tools_words() -> None:
    text = retrieval.without_example_values("Target zone (e.g., 'Asia/Tokyo', 'Europe/Paris'). Use 'UTC' if none.")
    assert "Tokyo" not in text and "Paris" not in text and "UTC" not in text and "Target zone" in text
    assert retrieval.without_example_values("City or place name, e.g. Paris.").strip(" .") == "City or place name,"
    assert retrieval.without_example_values("The customer's diets") == "The customer's diets"  # not a quote


async def test_a_place_name_is_a_value_for_a_time_zone_argument_not_a_topic_word(food: Catalog) -> None:
    catalog = await with_time(food, time_source())
    index = retrieval.index_for(catalog.readable_by(ADA))
    assert "tokyo" not in index.query("what time is it in Tokyo").terms
    assert "tokyo" in retrieval.index_for(food.readable_by(ADA)).query("what time is it in Tokyo").terms  # no zone


@pytest.mark.parametrize("alone", [True, False])
async def test_the_current_time_of_a_place_is_not_a_conversion(alone: bool, food: Catalog) -> None:
    catalog = Catalog([time_source()]) if alone else await with_time(food, time_source())
    await catalog.refresh()
    assert await plan_of("what time is it in Tokyo?", catalog) == {"time.get_current_time": {"timezone": "Asia/Tokyo"}}
    assert await plan_of("what's the time in New York?", catalog) == {
        "time.get_current_time": {"timezone": "America/New_York"}
    }


async def test_unsupplied_counts_required_arguments_without_value_or_default(food: Catalog) -> None:
    catalog = await with_time(food, time_source(default="UTC"))
    current, convert = catalog.get("time.get_current_time"), catalog.get("time.convert_time")
    assert fit.unsupplied("what time is it?", current) == 0  # the default gives it
    assert fit.unsupplied("what time is it?", convert) == 3
    assert fit.unsupplied("what time is it in Tokyo?", convert) == 1  # only `time` is missing
    assert fit.unsupplied("what allergies are on my profile?", catalog.get("customer_profile.get_profile")) == 0


@pytest.mark.parametrize("default", [None, "UTC"])
async def test_a_near_tie_goes_to_the_tool_the_question_can_call(default: str | None, food: Catalog) -> None:
    for catalog in (Catalog([time_source(default=default, examples=["what time is it"])]), food):
        if catalog is food:
            catalog = await with_time(food, time_source(default=default))
        await catalog.refresh()
        assert list(await plan_of("what time is it?", catalog)) == ["time.get_current_time"]


@pytest.mark.parametrize(
    ("text", "bare"), [("delivery addresses", True), ("my past orders", True), ("where is it", False)]
)
def test_a_bare_noun_has_no_question_word_or_known_verb(text: str, bare: bool) -> None:
    assert _bare_noun(text) is bare


async def test_a_bare_noun_the_whole_clauses_tool_declares_is_not_a_second_question(food: Catalog) -> None:
    assert list(await plan_of("what are my allergies and delivery addresses?", food)) == [
        "customer_profile.get_profile"
    ]
    # a bare noun the whole clause's tool does not declare still reads as a second question
    assert sorted(await plan_of("show my loyalty points and past orders", food)) == [
        "customer_profile.get_profile",
        "order.list_orders",
    ]


async def test_a_part_meant_for_a_withheld_tool_is_not_planned_with_the_nearest_allowed_one() -> None:
    # The caller may use billing only: "open tickets" reads as the support desk, which is withheld, so that
    # part is left unanswered instead of becoming the nearest billing tool; the billing part is planned.
    catalog = await registry_catalog("chargebee", "hubspot")
    billing_only = Caller("ada@example.com", allowed_tools=("chargebee.*",))
    question = "what plan am I on and do I have open tickets?"
    plan = await RulePlanner().plan(question, billing_only, catalog)
    assert [step.tool for step in plan.steps] == ["chargebee.get_subscription"]
    everything = await RulePlanner().plan(question, ADA, catalog)
    assert sorted(step.tool for step in everything.steps) == ["chargebee.get_subscription", "hubspot.list_tickets"]
    alone = await RulePlanner().plan("do I have open tickets?", billing_only, catalog)
    assert alone.steps == [] and alone.message is not None and "ticket" not in alone.message.lower()


async def test_a_step_without_a_required_argument_says_what_the_question_left_out(food: Catalog) -> None:
    plan = Plan(intent="track_order", steps=[Step(tool="tracking.track_order", arguments={})], confidence=0.9)
    (rejected,) = check_plan(plan, food, ADA)
    assert isinstance(rejected, RejectedStep) and rejected.error.code.value == "INVALID_REQUEST"
    assert rejected.error.message.startswith("tracking.track_order needs order_id (") and "ord-3f9a1c2b7d4e" in (
        rejected.error.message
    )
    note = missing_note([], [rejected])
    assert note is not None and "needs something the question did not say: order_id" in note
    assert "required property" not in note
    # The same step with its argument passes.
    (ok,) = check_plan(
        Plan(intent="t", steps=[Step(tool="tracking.track_order", arguments={"order_id": "ord-3f9a1c"})], confidence=1),
        food,
        ADA,
    )
    assert not isinstance(ok, RejectedStep)


async def test_an_id_with_a_quantity_is_an_order_line() -> None:
    """A quantity before an id ("2x m-10") names a cart line, which the quote takes; "m-10" alone a dish."""
    catalog = await registry_catalog("menu", "order", "customer_profile")
    quote = next(t for t in catalog.tools() if t.name == "order.quote_order")
    for counted in ("quote 2x m-10 to work", "2 x m-10 and 1 x m-12", "two m-10 please"):
        assert slots.id_fit(quote, counted) == 1.0, counted
    for named in ("is m-10 gluten free", "are m-01, m-57 and m-54 all vegan", "m-01 m-57"):
        assert slots.id_fit(quote, named) == 0.0, named
    plan = await RulePlanner().plan("quote 2x m-10 to work - and is m-10 gluten free?", ADA, catalog)
    assert sorted(s.tool for s in plan.steps) == ["menu.get_item", "order.quote_order"]


def test_an_id_after_the_word_its_prefix_clips_is_read() -> None:
    """The word a prefix clips names an id ("order d2f3d3d45af8"); a quantity after "order" is no id."""
    assert slots.find_ids("ord", "how much was the delivery fee on order d2f3d3d45af8") == ["ord-d2f3d3d45af8"]
    assert slots.find_ids("ord", "order number 3f9a1c please") == ["ord-3f9a1c"]
    assert slots.find_ids("ord", "order #3f9a1c2b7d4e") == ["ord-3f9a1c2b7d4e"]
    assert slots.find_ids("ord", "order 12 samosas") == []
    assert slots.find_ids("m", "my 4242424242 card") == []  # a one-letter prefix clips no word


async def test_an_order_named_by_its_word_plans_its_details() -> None:
    catalog = await registry_catalog("menu", "order", "tracking", "customer_profile")
    plan = await RulePlanner().plan("how much was the delivery fee on order d2f3d3d45af8", ADA, catalog)
    assert [(s.tool, s.arguments) for s in plan.steps] == [("order.get_order", {"order_id": "ord-d2f3d3d45af8"})]


async def test_records_over_a_time_or_count_are_listed_not_read_by_an_unnamed_id() -> None:
    """With no order id given, "ever", "every", "how often", a day or "how many orders" ask about the order
    history: the tool listing orders answers, not the one reading one order by id. A time unit after "how
    many" ("how many minutes until my order arrives") is still about the one order on its way."""
    catalog = await registry_catalog("menu", "order", "tracking", "customer_profile")
    tools = {t.name: t for t in catalog.tools()}
    orders, search = (
        fit.listed_properties(tools[n].info.output_schema) for n in ("order.list_orders", "menu.search_menu")
    )
    assert fit.lists_records_of(orders, tools["order.get_order"])
    assert not fit.lists_records_of(search, tools["order.get_order"])
    for question in ("how many orders have I cancelled", "did every order this month arrive on time",
                     "how often has my food been late"):  # fmt: skip
        plan = await RulePlanner().plan(question, ADA, catalog)
        assert [s.tool for s in plan.steps] == ["order.list_orders"], question
    for question, tool in (("how many minutes until my order arrives", "tracking.track_order"),
                           ("where is my order", "tracking.track_order"),
                           ("did ord-3f9a1c2b7d4e ever get cancelled", "order.get_order")):  # fmt: skip
        plan = await RulePlanner().plan(question, ADA, catalog)
        assert [s.tool for s in plan.steps] == [tool], question
