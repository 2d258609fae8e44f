"""Start-up checks of conversation plug-ins: `flow_problems` on their own, `tool_problems` and `unserved`
against a catalog, and `load_plugin`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from food_world import food_plugin, food_registries
from jinja2 import BaseLoader, DictLoader
from orch_fakes import RegistrySource, ScriptedSource, returns, tool_info

from mcp_common.clock import ManualClock
from orchestrator.conversation.checks import flow_problems, tool_problems, unserved
from orchestrator.conversation.flows import Call, Flow, Intent, Precondition, Reply, Turn, outcome
from orchestrator.conversation.plugin import PluginError, load_plugin
from orchestrator.conversation.templates import ReplyTemplates
from orchestrator.domains.food.plugin import FoodConversations
from orchestrator.execution.executor import SourceResult
from orchestrator.llm.prompts import PromptSet
from orchestrator.state.sessions import Session
from orchestrator.tools.catalog import Catalog

TEMPLATES = {"done.j2": "done", "failed.j2": "failed", "wait.j2": "wait", "broken.j2": "{% if %}"}


@outcome(templates=("done",))
async def done(turn: Turn) -> Reply:
    return Reply("done")


@outcome(templates=("missing_reply",))
async def names_a_missing_template(turn: Turn) -> Reply:
    return Reply("never")


@outcome(templates=("broken",))
async def names_a_broken_template(turn: Turn) -> Reply:
    return Reply("never")


@outcome(templates=("missing_reply",))
def asks_with_a_missing_template(turn: Turn) -> Reply:
    return Reply("never")


@outcome(templates=("wait",))
def asks_to_wait(turn: Turn) -> Reply:
    return Reply("wait")


async def undeclared(turn: Turn) -> Reply:
    return Reply("never")


@outcome(templates=("failed",))
def failed(turn: Turn, call: Call, result: SourceResult) -> Reply:
    return Reply("failed")


def undeclared_failed(turn: Turn, call: Call, result: SourceResult) -> Reply:
    return Reply("failed")


@dataclass
class Plugin:
    """A conversation plug-in made of parts; each test builds one that is wrong in one way."""

    flows: Mapping[str, Flow]
    fallback: str = "help"
    name: str = "shop"
    reader: str = "words"
    replies: ReplyTemplates = field(default_factory=lambda: ReplyTemplates(DictLoader(TEMPLATES)))
    answer_templates: BaseLoader | None = None
    failed_handler: Any = failed

    def open(self, session: Session) -> Any:
        return dict(session.data)

    async def read(self, message: str, state: Any) -> Intent:
        return Intent(message, 1.0)

    def derive(self, turn: Turn) -> dict[str, Any]:
        return dict(turn.intent.slots)

    def call_failed(self, turn: Turn, call: Call, result: SourceResult) -> Reply:
        reply: Reply = self.failed_handler(turn, call, result)
        return reply

    def close(self, turn: Turn) -> dict[str, Any]:
        return {}


class UndeclaredFailure(Plugin):
    def call_failed(self, turn: Turn, call: Call, result: SourceResult) -> Reply:
        return undeclared_failed(turn, call, result)


class DeclaredFailure(Plugin):
    @outcome(templates=("failed",))
    def call_failed(self, turn: Turn, call: Call, result: SourceResult) -> Reply:
        return failed(turn, call, result)


class MissingFailureTemplate(Plugin):
    @outcome(templates=("gone",))
    def call_failed(self, turn: Turn, call: Call, result: SourceResult) -> Reply:
        return failed(turn, call, result)


HELP = Flow("help", outcome=done)


def plugin(*flows: Flow, cls: type[Plugin] = DeclaredFailure) -> Plugin:
    return cls({"help": HELP} | {flow.intent: flow for flow in flows})


def lookup(*stages: tuple[Call, ...], **options: Any) -> Flow:
    return Flow("lookup", stages=stages, **({"outcome": done} | options))


def test_the_food_plugin_holds_together() -> None:
    assert flow_problems(food_plugin()) == []


def test_a_sound_plugin_has_no_problems() -> None:
    flow = lookup((Call("a", "svc.read"),), (Call("b", "svc.read", (("ref", "result:a.items.0.id|var:ref"),)),))
    assert flow_problems(plugin(flow)) == []


def test_a_fallback_without_a_flow_is_reported() -> None:
    assert flow_problems(DeclaredFailure({"lookup": lookup()}, fallback="help")) == [
        "the fallback intent 'help' has no flow"
    ]


def test_call_failed_must_be_declared_with_outcome() -> None:
    assert flow_problems(plugin(cls=UndeclaredFailure)) == ["call_failed is not declared with @outcome"]


def test_call_failed_templates_must_exist() -> None:
    assert flow_problems(plugin(cls=MissingFailureTemplate)) == ["reply template gone.j2 does not exist"]


def test_an_outcome_not_declared_with_outcome_is_reported() -> None:
    assert flow_problems(plugin(lookup(outcome=undeclared))) == [
        "flow lookup: outcome 'undeclared' is not declared with @outcome"
    ]


def test_a_template_an_outcome_names_must_exist_and_parse() -> None:
    assert flow_problems(plugin(lookup(outcome=names_a_missing_template))) == [
        "flow lookup: reply template missing_reply.j2 does not exist"
    ]
    [problem] = flow_problems(plugin(lookup(outcome=names_a_broken_template)))
    assert problem.startswith("flow lookup: reply template broken.j2 does not parse: ")


def test_a_precondition_reply_template_must_exist() -> None:
    need = Precondition("stock", lambda turn: True, asks_with_a_missing_template)
    assert flow_problems(plugin(lookup(needs=(need,)))) == [
        "flow lookup: reply template missing_reply.j2 does not exist"
    ]
    fine = Precondition("stock", lambda turn: True, asks_to_wait)
    assert flow_problems(plugin(lookup(needs=(fine,)))) == []


def test_a_flow_filed_under_another_intent_is_reported() -> None:
    wrong = DeclaredFailure({"help": HELP, "browse": lookup()})
    assert flow_problems(wrong) == ["flow browse: is filed under 'browse' but declares intent 'lookup'"]


def test_two_calls_sharing_a_name_are_reported() -> None:
    flow = lookup((Call("a", "svc.read"),), (Call("a", "svc.other"),))
    assert flow_problems(plugin(flow)) == ["flow lookup: two calls share a name"]


def test_data_must_name_one_of_the_calls() -> None:
    assert flow_problems(plugin(lookup((Call("a", "svc.read"),), data="b"))) == [
        "flow lookup: data names 'b', which is not one of its calls"
    ]
    assert flow_problems(plugin(lookup((Call("a", "svc.read"),), data="a"))) == []


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        ("absent:x", "flow lookup: a: condition 'absent:x' is not missing:/present:"),
        ("present:X", "flow lookup: a: condition 'present:X' is not missing:/present:"),
        ("missing:", "flow lookup: a: condition 'missing:' is not missing:/present:"),
    ],
)
def test_a_condition_must_be_missing_or_present_of_a_variable(when: str, problem: str) -> None:
    assert flow_problems(plugin(lookup((Call("a", "svc.read", when=when),)))) == [problem]


@pytest.mark.parametrize(
    ("stages", "problem"),
    [
        # a result of a later stage
        (((Call("a", "svc.read", (("id", "result:b.id"),)),), (Call("b", "svc.read"),)),
         "flow lookup: a.id: 'result:b.id' names no call of an earlier stage"),
        # a result of the same stage (its calls run in parallel)
        (((Call("a", "svc.read"), Call("b", "svc.read", (("id", "result:a.id"),))),),
         "flow lookup: b.id: 'result:a.id' names no call of an earlier stage"),
        # a call the flow does not make, behind a first option that is fine
        (((Call("a", "svc.read", (("id", "var:id|result:nobody.id"),)),),),
         "flow lookup: a.id: 'result:nobody.id' names no call of an earlier stage"),
        (((Call("a", "svc.read", (("id", "var:Not-A-Name"),)),),),
         "flow lookup: a.id: 'var:Not-A-Name' is not a variable name"),
        (((Call("a", "svc.read"),), (Call("b", "svc.read", (("id", "result:a..id"),)),)),
         "flow lookup: b.id: 'result:a..id' is not a result path"),
    ],
)  # fmt: skip
def test_argument_sources_must_parse_and_read_earlier_calls(stages: tuple[tuple[Call, ...], ...], problem: str) -> None:
    assert flow_problems(plugin(lookup(*stages))) == [problem]


def test_constants_and_whole_objects_are_valid_sources() -> None:
    flow = lookup((Call("a", "svc.read", (("limit", 5), ("mode", "fast"), ("*", "var:pending"))),))
    assert flow_problems(plugin(flow)) == []


def test_every_problem_is_listed_at_once() -> None:
    flow = Flow("lookup", outcome=undeclared, stages=((Call("a", "svc.read"), Call("a", "svc.read", when="x")),))
    problems = flow_problems(MissingFailureTemplate({"lookup": flow}))
    assert problems == [
        "the fallback intent 'help' has no flow",
        "reply template gone.j2 does not exist",
        "flow lookup: outcome 'undeclared' is not declared with @outcome",
        "flow lookup: two calls share a name",
        "flow lookup: a: condition 'x' is not missing:/present:",
    ]


# --- against the catalog -------------------------------------------------------------------------------


async def catalog(*sources: ScriptedSource) -> Catalog:
    found = Catalog(sources)
    await found.refresh()
    return found


def shop_source() -> ScriptedSource:
    return ScriptedSource(
        "svc",
        {
            "read": (tool_info("read"), returns("r")),
            "write": (tool_info("write", writes=True), returns("w")),
        },
    )


async def test_tools_the_flows_name_must_be_offered_by_their_configured_service() -> None:
    shop = plugin(lookup((Call("a", "svc.read"), Call("b", "svc.gone"))))
    found = await catalog(shop_source())
    assert tool_problems(shop, found, {"svc": True}) == ["flow lookup: svc does not offer svc.gone"]
    # A service that is configured but down has not listed its tools: nothing can be said yet.
    assert tool_problems(shop, found, {"svc": False}) == []


async def test_a_write_must_be_declared_and_a_read_must_not_be() -> None:
    shop = plugin(
        Flow("save", outcome=done, stages=((Call("w", "svc.write"),),)),
        Flow("peek", outcome=done, stages=((Call("r", "svc.read", writes=True),),)),
        Flow("store", outcome=done, stages=((Call("w", "svc.write", writes=True),),)),
    )
    assert tool_problems(shop, await catalog(shop_source()), {"svc": True}) == [
        "flow save: svc.write changes data but its call does not say writes=True",
        "flow peek: svc.read is read-only but its call says writes=True",
    ]


async def test_a_service_not_configured_is_no_problem_but_its_flows_are_unserved() -> None:
    shop = plugin(
        lookup((Call("a", "svc.read"),), (Call("b", "billing.invoices"), Call("c", "crm.contact"))),
        Flow("save", outcome=done, stages=((Call("w", "svc.write", writes=True),),)),
    )
    found = await catalog(shop_source())
    assert tool_problems(shop, found, {"svc": True}) == []
    assert unserved(shop, {"svc": True}) == {"lookup": ["billing", "crm"]}
    assert unserved(shop, {"svc": True, "billing": True, "crm": False}) == {}


async def test_the_food_plugin_matches_the_food_services(tmp_path: Path) -> None:
    registries, _ = food_registries(tmp_path, ManualClock())
    found = Catalog([RegistrySource(registry) for registry in registries.values()])
    await found.refresh()
    services = dict.fromkeys(registries, True)
    food = food_plugin()
    assert tool_problems(food, found, services) == []
    assert unserved(food, services) == {}
    only_menu = unserved(food, {"menu": True})
    assert only_menu["checkout"] == ["customer_profile", "order"]
    assert "browse_menu" in only_menu and "help" not in only_menu and "add_to_cart" not in only_menu


async def test_a_food_flow_that_writes_undeclared_is_caught(tmp_path: Path) -> None:
    registries, _ = food_registries(tmp_path, ManualClock())
    found = Catalog([RegistrySource(registries["order"])])
    await found.refresh()
    food = food_plugin()
    confirm = food.flows["confirm"]
    quiet = replace(confirm, stages=tuple(tuple(replace(c, writes=False) for c in s) for s in confirm.stages))
    broken = DeclaredFailure({**food.flows, "confirm": quiet})
    assert tool_problems(broken, found, {"order": True}) == [
        "flow confirm: order.create_order changes data but its call does not say writes=True",
        "flow confirm: order.cancel_order changes data but its call does not say writes=True",
    ]


# --- loading -------------------------------------------------------------------------------------------


def load(spec: str) -> object:
    return load_plugin(spec, llm=None, prompts=PromptSet.load(), model_intents=False)


def test_none_is_no_plugin_and_food_is_the_food_plugin() -> None:
    assert load("none") is None
    food = load("food")
    assert isinstance(food, FoodConversations) and food.reader == "rules"
    assert isinstance(load("orchestrator.domains.food.plugin:food_conversations"), FoodConversations)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("pizza", "conversations 'pizza': expected `food`, `none` or `package.module:factory`"),
        ("no_such_package.plugin:make", "conversations 'no_such_package.plugin:make' cannot be loaded: "),
        ("orchestrator.domains.food.plugin:nothing", "conversations 'orchestrator.domains.food.plugin:nothing' "
         "cannot be loaded: "),
    ],
)  # fmt: skip
def test_a_plugin_that_cannot_be_loaded_is_a_plugin_error(spec: str, message: str) -> None:
    with pytest.raises(PluginError) as raised:
        load(spec)
    assert str(raised.value).startswith(message)
