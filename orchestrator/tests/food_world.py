"""The food services in-process (real registries over SQLite, no HTTP) and an Engine that converses over them.

The order, tracking and recommendations services call their peers through `InProcessClient`, which
dispatches into the peer's registry exactly as `/mcp/call` would (arguments validated, identity
checked against the call context).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from orch_fakes import RegistrySource
from pydantic import BaseModel

from customer_profile_service.app import MIGRATIONS as PROFILE_MIGRATIONS
from customer_profile_service.repository import ProfileRepository
from customer_profile_service.seed import seed_profiles
from customer_profile_service.tools import build_registry as profile_registry
from mcp_common.client import ServiceClient
from mcp_common.clock import ManualClock
from mcp_common.db import Database
from mcp_common.registry import ToolRegistry
from mcp_common.wire import CallContext, ToolInfo
from menu_service.app import MIGRATIONS as MENU_MIGRATIONS
from menu_service.repository import MenuRepository
from menu_service.seed import seed_menu
from menu_service.tools import build_registry as menu_registry
from orchestrator.conversation.planner import FlowPlanner
from orchestrator.conversation.plugin import ConversationPlugin, load_plugin
from orchestrator.conversation.replies import ConversationReplies
from orchestrator.core.answers import AnswerCache
from orchestrator.core.engine import Engine
from orchestrator.core.requests import Message
from orchestrator.core.results import Answer
from orchestrator.core.routes import Route, Routes, question_route, tool_call_route
from orchestrator.execution.executor import Executor, ExecutorConfig
from orchestrator.llm.prompts import PromptSet
from orchestrator.planning.rules import RulePlanner
from orchestrator.security.caller import Caller
from orchestrator.state.base import KVStore
from orchestrator.state.cache import TieredCache
from orchestrator.state.memory import MemoryKVStore
from orchestrator.state.sessions import SessionStore
from orchestrator.synthesis.templates import TemplateSynthesizer
from orchestrator.tools.catalog import Catalog
from orchestrator.tools.source import ToolSource
from order_service.app import MIGRATIONS as ORDER_MIGRATIONS
from order_service.downstream import MenuGateway, ProfileGateway
from order_service.lifecycle import OrderTimings
from order_service.service import OrderService
from order_service.store import OrderStore
from order_service.tools import build_registry as order_registry
from recommendations_service.app import MIGRATIONS as RECOMMENDATIONS_MIGRATIONS
from recommendations_service.downstream import Downstream
from recommendations_service.impressions import ImpressionStore
from recommendations_service.service import Policy, Recommender
from recommendations_service.tools import build_registry as recommendations_registry
from tracking_service.app import MIGRATIONS as TRACKING_MIGRATIONS
from tracking_service.couriers import CourierStore, seed_couriers
from tracking_service.orders import OrderGateway
from tracking_service.service import TrackingService
from tracking_service.tools import build_registry as tracking_registry

FOOD = ("menu", "customer_profile", "order", "tracking", "recommendations")
FAST = ExecutorConfig(call_timeout_s=5.0, deadline_s=10.0, retries=0, retry_backoff_s=0.0)
OutT = TypeVar("OutT", bound=BaseModel)
PROMPTS = PromptSet.load()


class InProcessClient(ServiceClient):
    """A peer service's client that calls the peer's registry directly."""

    def __init__(self, registry: ToolRegistry) -> None:
        super().__init__(registry.service, "http://in-process.invalid")
        self.registry = registry

    async def call(
        self, tool: str, arguments: dict[str, Any], ctx: CallContext, output: type[OutT], *, writes: bool = False
    ) -> OutT:
        result = await self.registry.call(tool, arguments, ctx)
        return output.model_validate(result.model_dump(mode="json"))


@dataclass
class Made:
    """One call a source received: the namespaced tool, its arguments and the identity it ran for."""

    tool: str
    arguments: dict[str, Any]
    caller: str | None


class Recorded:
    """A tool source that records every call it receives, in a list shared by several sources."""

    def __init__(self, inner: ToolSource, calls: list[Made]) -> None:
        self.inner = inner
        self.name = inner.name
        self.calls = calls

    async def list_tools(self) -> list[ToolInfo]:
        return await self.inner.list_tools()

    async def call(self, tool: str, arguments: dict[str, Any], context: CallContext) -> dict[str, Any]:
        self.calls.append(Made(f"{self.name}.{tool}", dict(arguments), context.caller))
        return await self.inner.call(tool, arguments, context)

    async def health(self) -> None:
        await self.inner.health()


def food_registries(
    directory: Path, clock: ManualClock, urls: Mapping[str, str] | None = None
) -> tuple[dict[str, ToolRegistry], list[Database]]:
    """The five food registries over SQLite files in `directory`, or the database `urls` names for a
    service (not migrated: see `food_world`)."""
    urls = urls or {}
    databases = {name: Database(urls.get(name) or f"sqlite+aiosqlite:///{directory / name}.db") for name in FOOD}
    menu = menu_registry(MenuRepository(databases["menu"]))
    profiles = profile_registry(ProfileRepository(databases["customer_profile"], clock))
    orders = OrderService(
        store=OrderStore(databases["order"]),
        menu=MenuGateway(InProcessClient(menu)),
        profiles=ProfileGateway(InProcessClient(profiles)),
        clock=clock,
        timings=OrderTimings(),
    )
    order = order_registry(lambda: orders)
    tracking = TrackingService(
        orders=OrderGateway(InProcessClient(order)), couriers=CourierStore(databases["tracking"]), clock=clock
    )
    downstream = Downstream(
        menu=InProcessClient(menu), customer_profile=InProcessClient(profiles), order=InProcessClient(order)
    )
    recommender = Recommender(downstream, ImpressionStore(databases["recommendations"]), clock, Policy())
    registries = {
        "menu": menu,
        "customer_profile": profiles,
        "order": order,
        "tracking": tracking_registry(lambda: tracking),
        "recommendations": recommendations_registry(recommender),
    }
    return registries, list(databases.values())


@asynccontextmanager
async def food_world(directory: Path, urls: Mapping[str, str] | None = None) -> AsyncIterator[dict[str, ToolRegistry]]:
    """The five food registries over migrated databases (SQLite unless `urls` names another for a
    service) with the demo menu, profiles and couriers."""
    clock = ManualClock()
    registries, databases = food_registries(directory, clock, urls)
    by_name = dict(zip(FOOD, databases, strict=True))
    migrations = {
        "menu": MENU_MIGRATIONS,
        "customer_profile": PROFILE_MIGRATIONS,
        "order": ORDER_MIGRATIONS,
        "tracking": TRACKING_MIGRATIONS,
        "recommendations": RECOMMENDATIONS_MIGRATIONS,
    }
    try:
        for name, db in by_name.items():
            await db.migrate(migrations[name])
        await seed_menu(by_name["menu"])
        await seed_profiles(by_name["customer_profile"], clock)
        await seed_couriers(by_name["tracking"])
        yield registries
    finally:
        for db in databases:
            await db.aclose()


def food_plugin() -> ConversationPlugin:
    """The food plug-in as `ORCH_CONVERSATIONS=food` loads it without a model (rules read intents)."""
    plugin = load_plugin("food", llm=None, prompts=PROMPTS, model_intents=False)
    assert plugin is not None
    return plugin


async def conversation_engine(
    sources: Sequence[ToolSource], plugin: ConversationPlugin, *, store: KVStore | None = None
) -> Engine:
    """An Engine as `app._engine` assembles it, over `sources`, conversing with `plugin`."""
    catalog = Catalog(sources)
    await catalog.refresh()
    shared = store or MemoryKVStore()
    cache = TieredCache(shared)
    message = Route("message", FlowPlanner(plugin), ConversationReplies(plugin), sessions=SessionStore(shared))
    return Engine(
        catalog=catalog,
        executor=Executor(catalog, cache, FAST),
        routes=Routes(question_route(RulePlanner(), TemplateSynthesizer()), tool_call_route(), message),
        answers=AnswerCache(cache, ttl_s=60.0, variant="test"),
    )


@dataclass
class Chat:
    """One user's conversation: each message goes through `Engine.handle` in the same session."""

    engine: Engine
    caller: Caller
    session_id: str | None = None
    channel: str = "web"
    answers: list[Answer] = field(default_factory=list)

    async def say(self, text: str) -> Answer:
        answer = await self.engine.handle(Message(text, self.channel, self.session_id), self.caller)
        self.session_id = answer.session_id
        self.answers.append(answer)
        return answer


@dataclass
class Food:
    """The conversation over the food services, and every call the services received."""

    engine: Engine
    registries: dict[str, ToolRegistry]
    calls: list[Made] = field(default_factory=list)

    def chat(self, email: str = "ada@example.com", session_id: str | None = None) -> Chat:
        return Chat(self.engine, Caller(email), session_id)

    def take(self) -> list[tuple[str, dict[str, Any], str | None]]:
        """The calls made since the last `take`: tool, arguments, the identity they ran for."""
        made, self.calls[:] = [(c.tool, c.arguments, c.caller) for c in self.calls], []
        return made

    async def order_count(self, email: str = "ada@example.com") -> int:
        """How many orders the order service holds for `email`, asked directly."""
        result = await self.registries["order"].call("list_orders", {"email": email, "limit": 1}, CallContext())
        count: int = result.model_dump()["total_count"]
        return count


@asynccontextmanager
async def food_stack(
    directory: Path,
    replace: Mapping[str, ToolSource] | None = None,
    *,
    urls: Mapping[str, str] | None = None,
    store: KVStore | None = None,
    wrap: Callable[[ToolSource], ToolSource] | None = None,
) -> AsyncIterator[Food]:
    """The food conversation over the real registries in-process: `replace` swaps a service's source,
    `wrap` wraps each source, `urls` puts a service on another database, `store` keeps the sessions."""
    async with food_world(directory, urls) as registries:
        calls: list[Made] = []
        sources = [
            Recorded((replace or {}).get(name) or RegistrySource(registry), calls)
            for name, registry in registries.items()
        ]
        wrapped = [wrap(source) for source in sources] if wrap else sources
        yield Food(await conversation_engine(wrapped, food_plugin(), store=store), registries, calls)
