"""`create_app(settings)`: the orchestrator's FastAPI app; its lifespan builds the Engine."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from mcp_common.auth import IdTokens, wants_id_tokens
from mcp_common.mcp_server import mcp_routes
from mcp_common.middleware import TraceMiddleware
from orchestrator import __version__
from orchestrator.api import errors, health, orchestrate, query
from orchestrator.api.mcp import McpCallerMiddleware, OrchestratorMcpServer
from orchestrator.breaker import CircuitBreaker
from orchestrator.conversation.engine import ConversationEngine
from orchestrator.conversation.intents import IntentClassifier, RuleIntentClassifier
from orchestrator.conversation.llm_intents import LLMIntentClassifier
from orchestrator.engine import Engine, EngineConfig
from orchestrator.execution import Executor, ExecutorConfig
from orchestrator.llm.base import LLM
from orchestrator.llm.factory import open_llm
from orchestrator.llm.prompts import PromptSet
from orchestrator.llm_synthesis import LLMSynthesizer, LLMSynthesizerConfig
from orchestrator.planning.base import Planner
from orchestrator.planning.llm import LLMPlanner, LLMPlannerConfig
from orchestrator.planning.rules import RulePlanner
from orchestrator.settings import Settings
from orchestrator.state.cache import TieredCache
from orchestrator.state.factory import open_store
from orchestrator.state.sessions import SessionStore
from orchestrator.synthesis import Synthesizer, TemplateSynthesizer
from orchestrator.tools.catalog import Catalog
from orchestrator.tools.mcp_call import HttpToolSource
from orchestrator.tools.mcp_source import McpToolSource

logger = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    """The orchestrator app for these settings; nothing is connected until the lifespan starts.

    Raises `PromptError` when a prompt file is missing or does not match the code.
    """
    prompts = PromptSet.load(Path(settings.prompts_dir) if settings.prompts_dir else None)
    app = FastAPI(
        title="MCP Orchestrator",
        version=__version__,
        description="Answers natural-language questions over business data held by MCP services.",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.prompts = prompts
    app.state.mcp = OrchestratorMcpServer(settings)
    app.router.routes.extend(mcp_routes(app.state.mcp, settings.mcp_allowed_hosts))
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["*"],
    )
    app.add_middleware(McpCallerMiddleware, settings=settings)
    app.add_middleware(TraceMiddleware, service="orchestrator")
    errors.install(app, as_http_status=settings.errors_as_http_status)
    app.include_router(query.router)
    app.include_router(orchestrate.router)
    app.include_router(health.router)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    connector = aiohttp.TCPConnector(limit=settings.max_connections, keepalive_timeout=30)
    timeout = aiohttp.ClientTimeout(total=settings.call_timeout_s, sock_connect=min(1.0, settings.call_timeout_s))
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        store = open_store(settings)
        mcp_sources = _mcp_sources(settings)
        tokens = IdTokens() if wants_id_tokens(settings.service_auth) else None
        services = [HttpToolSource(name, url, session, auth=tokens) for name, url in settings.services.items()]
        catalog = Catalog([*services, *mcp_sources])
        for source in mcp_sources:
            source.on_tools_changed = lambda name: catalog.refresh([name])
        await asyncio.gather(*(source.start(wait_s=settings.mcp_connect_timeout_s) for source in mcp_sources))
        await catalog.refresh()
        cache = TieredCache(
            store,
            l2_max_entries=settings.l2_max_entries,
            l2_max_ttl_s=settings.l2_max_ttl_s,
            l1_timeout_s=settings.l1_timeout_s,
            l1_breaker=CircuitBreaker(settings.l1_breaker_failures, settings.l1_breaker_cooldown_s),
            generation_ttl_s=settings.invalidation_bound_s,
        )
        app.state.cache = cache
        executor_config = ExecutorConfig(
            call_timeout_s=settings.call_timeout_s,
            deadline_s=settings.deadline_s,
            retries=settings.retries,
            retry_backoff_s=settings.retry_backoff_s,
        )
        executor = Executor(catalog, cache, executor_config)
        llm = open_llm(settings)
        prompts: PromptSet = app.state.prompts
        app.state.llm = llm
        app.state.engine = Engine(
            catalog=catalog,
            planner=_planner(settings, llm, prompts, cache),
            executor=executor,
            synthesizer=_synthesizer(settings, llm, prompts),
            cache=cache,
            config=EngineConfig(answer_ttl_s=settings.answer_ttl_s),
            model=llm.name if llm else None,
            prompt_versions=prompts.versions() if llm else None,
        )
        app.state.conversations = ConversationEngine(
            catalog=catalog,
            executor=executor,
            classifier=_classifier(settings, llm, prompts),
            sessions=SessionStore(store, ttl_s=settings.session_ttl_s),
        )
        mcp_server: OrchestratorMcpServer = app.state.mcp
        mcp_server.bind(app.state.engine, executor)
        refresher = asyncio.create_task(_refresh_forever(catalog, settings.catalog_refresh_s))
        try:
            async with mcp_server.session_manager.run():
                yield
        finally:
            refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refresher
            await asyncio.gather(*(source.aclose() for source in mcp_sources))
            if llm is not None:
                await llm.aclose()
            await store.close()


def _mcp_sources(settings: Settings) -> list[McpToolSource]:
    return [
        McpToolSource(
            name,
            config,
            call_timeout_s=settings.call_timeout_s,
            connect_timeout_s=settings.mcp_connect_timeout_s,
            reconnect_max_s=settings.mcp_reconnect_max_s,
            ping_interval_s=settings.mcp_ping_interval_s,
        )
        for name, config in settings.mcp_servers.items()
    ]


def _planner(settings: Settings, llm: LLM | None, prompts: PromptSet, cache: TieredCache) -> Planner:
    if llm is None:
        return RulePlanner()
    config = LLMPlannerConfig(
        max_prompt_tools=settings.llm_max_prompt_tools,
        max_output_tokens=settings.llm_max_output_tokens,
        plan_cache_ttl_s=settings.llm_plan_cache_ttl_s,
    )
    return LLMPlanner(llm, prompts, fallback=RulePlanner(), cache=cache, config=config)


def _synthesizer(settings: Settings, llm: LLM | None, prompts: PromptSet) -> Synthesizer:
    if llm is None or not settings.llm_synthesis:
        return TemplateSynthesizer()
    config = LLMSynthesizerConfig(
        result_budget_chars=settings.llm_result_budget_chars, max_output_tokens=settings.llm_max_output_tokens
    )
    return LLMSynthesizer(llm, prompts, fallback=TemplateSynthesizer(), config=config)


def _classifier(settings: Settings, llm: LLM | None, prompts: PromptSet) -> IntentClassifier:
    if llm is None or not settings.llm_intents:
        return RuleIntentClassifier()
    return LLMIntentClassifier(llm, prompts, fallback=RuleIntentClassifier())


async def _refresh_forever(catalog: Catalog, interval_s: float) -> None:
    """Re-read tool listings; sooner while a service is down, so it rejoins quickly."""
    while True:
        degraded = any(not s.up for s in catalog.status.values())
        await asyncio.sleep(min(interval_s, 2.0) if degraded else interval_s)
        try:
            await catalog.refresh()
        except Exception:
            logger.exception("catalog refresh failed")
