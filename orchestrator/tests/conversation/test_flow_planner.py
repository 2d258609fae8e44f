"""FlowPlanner: stages planned from earlier results, conditions, optional calls, declared writes, and the
turn's identity bound by the engine whatever the flow's arguments say."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from food_world import Chat, conversation_engine
from jinja2 import BaseLoader, DictLoader
from orch_fakes import ScriptedSource, fails

from mcp_common.errors import ErrorCode
from mcp_common.wire import CallContext, ToolInfo
from orchestrator.conversation.checks import flow_problems
from orchestrator.conversation.flows import Call, Flow, Intent, Precondition, Reply, Turn, outcome
from orchestrator.conversation.planner import FlowPlanner
from orchestrator.conversation.templates import ReplyTemplates
from orchestrator.core.engine import Engine
from orchestrator.core.requests import Message
from orchestrator.core.run import Run
from orchestrator.execution.executor import SourceResult
from orchestrator.security.caller import Caller
from orchestrator.state.memory import MemoryKVStore
from orchestrator.state.sessions import Session, SessionStore
from orchestrator.tools.catalog import Catalog

ADA = Caller("ada@example.com")
GRACE = "grace@example.com"


def info(name: str, *, writes: bool = False) -> ToolInfo:
    return ToolInfo(
        name=name,
        description=f"The {name} tool.",
        input_schema={"type": "object", "properties": {"email": {"type": "string"}}, "required": ["email"]},
        output_schema={"type": "object"},
        writes=writes,
        identity_args=["email"],
        cache_ttl_s=0,
        examples=[],
    )


async def items(arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
    return {"items": [{"item_id": "i-7"}, {"item_id": "i-8"}], "for": arguments["email"]}


async def detail(arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
    return {"item_id": arguments.get("item_id"), "for": arguments["email"]}


async def save(arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
    return {"saved": arguments.get("note"), "for": arguments["email"]}


def shop() -> ScriptedSource:
    return ScriptedSource(
        "shop",
        {
            "items": (info("items"), items),
            "detail": (info("detail"), detail),
            "broken": (info("broken"), fails(ErrorCode.SERVICE_UNAVAILABLE)),
            "save": (info("save", writes=True), save),
        },
    )


@outcome(templates=("summary",))
async def summary(turn: Turn) -> Reply:
    ran = sorted(name for name in turn.results if turn.result(name) is not None)
    return Reply("ran " + ", ".join(ran) if ran else "nothing ran")


@outcome(templates=("failed",))
def failed(turn: Turn, call: Call, result: SourceResult) -> Reply:
    return Reply(f"{call.name} failed: {result.error.code.value if result.error else '?'}")


@outcome(templates=("needs_note",))
def needs_note(turn: Turn) -> Reply:
    return Reply("say what to note first")


DETAIL_OF_FIRST = ("item_id", "var:item_id|result:first.items.0.item_id")
FLOWS = {
    flow.intent: flow
    for flow in (
        Flow("chain", summary, ((Call("first", "shop.items"),), (Call("detail", "shop.detail", (DETAIL_OF_FIRST,)),)),
             data="detail"),
        Flow("pick", summary, ((Call("first", "shop.items", when="missing:item_id"),),
                               (Call("detail", "shop.detail", (DETAIL_OF_FIRST,)),)), data="detail"),
        Flow("extras", summary, ((Call("detail", "shop.detail", (("item_id", "i-1"),)),
                                  Call("stock", "shop.broken", optional=True)),)),
        Flow("strict", summary, ((Call("stock", "shop.broken"),), (Call("detail", "shop.detail"),))),
        Flow("save", summary, ((Call("save", "shop.save", (("note", "var:note"),), writes=True),),)),
        Flow("sneak", summary, ((Call("save", "shop.save", (("note", "var:note"),)),),)),
        Flow("spy", summary, ((Call("peek", "shop.items", (("email", "var:email"),)),),), data="peek"),
        Flow("guarded", summary, ((Call("save", "shop.save", (("note", "var:note"),), writes=True),),),
             needs=(Precondition("note", lambda turn: "note" in turn.intent.slots, needs_note),)),
        Flow("help", summary),
    )
}  # fmt: skip


@dataclass
class Shop:
    """A conversation plug-in: the message's first word is the intent, `name=value` words are slots."""

    flows: Mapping[str, Flow] = field(default_factory=lambda: FLOWS)
    name: str = "shop"
    reader: str = "words"
    fallback: str = "help"
    replies: ReplyTemplates = field(
        default_factory=lambda: ReplyTemplates(DictLoader({f"{n}.j2": n for n in ("summary", "failed", "needs_note")}))
    )
    answer_templates: BaseLoader | None = None

    def open(self, session: Session) -> dict[str, Any]:
        return dict(session.data)

    async def read(self, message: str, state: Any) -> Intent:
        first, *words = message.split()
        slots = dict(word.split("=", 1) for word in words if "=" in word)
        return Intent(first, 0.9, slots)

    def derive(self, turn: Turn) -> dict[str, Any]:
        return dict(turn.intent.slots)

    @outcome(templates=("failed",))
    def call_failed(self, turn: Turn, call: Call, result: SourceResult) -> Reply:
        return failed(turn, call, result)

    def close(self, turn: Turn) -> dict[str, Any]:
        turn.session.data = {"last": turn.flow.intent}
        return {}


def test_the_shop_plugin_holds_together() -> None:
    assert flow_problems(Shop()) == []


# --- the planner on its own: one plan per stage -----------------------------------------------------------


async def begin(text: str) -> tuple[FlowPlanner, Run, Catalog]:
    catalog = Catalog([shop()])
    await catalog.refresh()
    session = await SessionStore(MemoryKVStore()).load(None, ADA, "web")
    run = Run(Message(text, "web"), ADA, kind="message", trace_id="0" * 32, started=0.0, session=session)
    return FlowPlanner(Shop()), run, catalog


def ok(tool: str, result: dict[str, Any]) -> SourceResult:
    return SourceResult("shop", tool, "ok", 1.0, result=result)


async def test_each_stage_is_planned_from_the_results_of_the_one_before() -> None:
    planner, run, catalog = await begin("chain")
    first = await planner.plan(run, catalog)
    assert first is not None and first.planner == "flows" and first.intent == "chain" and first.confidence == 0.9
    assert [(s.tool, s.arguments) for s in first.steps] == [("shop.items", {})]
    assert run.notes["classifier"] == "words" and run.notes["slots"] == []
    run.outcomes = [ok("items", {"items": [{"item_id": "i-42"}]})]
    second = await planner.plan(run, catalog)
    assert second is not None
    assert [(s.tool, s.arguments) for s in second.steps] == [("shop.detail", {"item_id": "i-42"})]
    run.outcomes = [ok("detail", {"item_id": "i-42"})]
    assert await planner.plan(run, catalog) is None


async def test_a_when_condition_skips_a_call_and_its_stage() -> None:
    planner, run, catalog = await begin("pick item_id=i-3")
    plan = await planner.plan(run, catalog)
    assert plan is not None and [(s.tool, s.arguments) for s in plan.steps] == [("shop.detail", {"item_id": "i-3"})]


async def test_a_source_without_a_value_leaves_the_argument_out() -> None:
    planner, run, catalog = await begin("pick")
    assert await planner.plan(run, catalog) is not None
    run.outcomes = [ok("items", {"items": []})]
    plan = await planner.plan(run, catalog)
    assert plan is not None and plan.steps[0].arguments == {}


async def test_a_required_call_that_failed_ends_the_planning() -> None:
    planner, run, catalog = await begin("strict")
    assert await planner.plan(run, catalog) is not None
    run.outcomes = [SourceResult("shop", "broken", "error", 1.0)]
    assert await planner.plan(run, catalog) is None


async def test_writes_are_allowed_only_on_calls_that_declare_them() -> None:
    planner, run, catalog = await begin("save note=hi")
    plan = await planner.plan(run, catalog)
    assert plan is not None and [s.writes_allowed for s in plan.steps] == [True]
    planner, run, catalog = await begin("sneak note=hi")
    plan = await planner.plan(run, catalog)
    assert plan is not None and [s.writes_allowed for s in plan.steps] == [False]
    planner, run, catalog = await begin("chain")
    plan = await planner.plan(run, catalog)
    assert plan is not None and not any(s.writes_allowed for s in plan.steps)


async def test_an_unmet_precondition_plans_nothing() -> None:
    planner, run, catalog = await begin("guarded")
    assert await planner.plan(run, catalog) is None


async def test_an_unknown_intent_runs_the_fallback_flow() -> None:
    planner, run, catalog = await begin("blorp")
    assert await planner.plan(run, catalog) is None
    assert isinstance(run.state, Turn) and run.state.flow.intent == "help"


# --- through the engine -----------------------------------------------------------------------------------


@dataclass
class Shopping:
    engine: Engine
    source: ScriptedSource

    def calls(self) -> list[tuple[str, dict[str, Any], str | None]]:
        return [(tool, arguments, context.caller) for tool, arguments, context in self.source.calls]


@pytest.fixture
async def shopping() -> Shopping:
    source = shop()
    return Shopping(await conversation_engine([source], Shop()), source)


async def test_a_turn_runs_its_stages_in_order(shopping: Shopping) -> None:
    answer = await Chat(shopping.engine, ADA).say("chain")
    assert answer.intent == "chain" and answer.answer == "ran detail, first"
    assert answer.data == {"item_id": "i-7", "for": ADA.email}
    assert shopping.calls() == [("items", {"email": ADA.email}, ADA.email),
                                ("detail", {"item_id": "i-7", "email": ADA.email}, ADA.email)]  # fmt: skip
    assert answer.trace is not None and answer.trace.planner == "flows"


async def test_a_skipped_call_is_not_made(shopping: Shopping) -> None:
    answer = await Chat(shopping.engine, ADA).say("pick item_id=i-3")
    assert answer.answer == "ran detail" and [tool for tool, _, _ in shopping.calls()] == ["detail"]


async def test_an_optional_call_that_fails_does_not_fail_the_turn(shopping: Shopping) -> None:
    answer = await Chat(shopping.engine, ADA).say("extras")
    assert answer.answer == "ran detail"
    assert sorted((s.tool, s.status) for s in answer.sources) == [("broken", "error"), ("detail", "ok")]


async def test_a_required_call_that_fails_answers_with_call_failed(shopping: Shopping) -> None:
    answer = await Chat(shopping.engine, ADA).say("strict")
    assert answer.answer == "stock failed: SERVICE_UNAVAILABLE" and answer.intent == "strict"
    assert [tool for tool, _, _ in shopping.calls()] == ["broken"]  # the next stage never ran


async def test_a_declared_write_runs(shopping: Shopping) -> None:
    answer = await Chat(shopping.engine, ADA).say("save note=milk")
    assert answer.answer == "ran save"
    assert shopping.calls() == [("save", {"note": "milk", "email": ADA.email}, ADA.email)]


async def test_an_undeclared_write_is_refused_and_never_reaches_the_service(shopping: Shopping) -> None:
    answer = await Chat(shopping.engine, ADA).say("sneak note=milk")
    assert answer.answer == "save failed: FORBIDDEN"
    [source] = answer.sources
    assert source.tool == "save" and source.error is not None and "confirmed conversation turn" in source.error.message
    assert shopping.calls() == []


async def test_an_unmet_precondition_answers_without_calls(shopping: Shopping) -> None:
    answer = await Chat(shopping.engine, ADA).say("guarded")
    assert answer.answer == "say what to note first" and answer.sources == [] and shopping.calls() == []


async def test_arguments_never_name_another_user(shopping: Shopping) -> None:
    answer = await Chat(shopping.engine, ADA).say(f"spy email={GRACE}")
    assert shopping.calls() == [("items", {"email": ADA.email}, ADA.email)]
    assert answer.data is not None and answer.data["for"] == ADA.email


async def test_the_session_carries_the_plugin_state_between_turns(shopping: Shopping) -> None:
    chat = Chat(shopping.engine, ADA)
    await chat.say("chain")
    again = await chat.say("pick item_id=i-9")
    assert again.session_id == chat.answers[0].session_id and again.session_id is not None
    store = shopping.engine.routes.message.sessions if shopping.engine.routes.message else None
    assert store is not None
    session = await store.load(again.session_id, ADA, "web")
    assert session.data == {"last": "pick"} and session.turns == 2
