"""`create_app(settings)`: the orchestrator's FastAPI app; its lifespan builds the Engine.

Start-up refuses, with the list of problems, a conversation plug-in whose flows do not hold
together (at app creation) or name tools their services do not offer (once the catalog is read).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
from fastapi import FastAPI
from starlette.routing import Route as HttpRoute

from mcp_common import heap
from mcp_common.assertions import caller_signer
from mcp_common.auth import IdTokens, wants_id_tokens
from mcp_common.mcp_lazy import LazyMcp
from mcp_common.middleware import NATIVE_TELEMETRY_OFF
from orchestrator import __version__
from orchestrator.api import channels, errors, health, metrics, orchestrate, query, surface
from orchestrator.api.mcp_caller import McpCallerMiddleware
from orchestrator.conversation.checks import flow_problems, tool_problems, unserved
from orchestrator.conversation.planner import FlowPlanner
from orchestrator.conversation.plugin import ConversationPlugin, PluginError, load_plugin
from orchestrator.conversation.replies import ConversationReplies
from orchestrator.core.answers import AnswerCache
from orchestrator.core.engine import Engine
from orchestrator.core.routes import Route, Routes, question_route, tool_call_route
from orchestrator.execution.executor import Executor, ExecutorConfig
from orchestrator.llm.base import LLM
from orchestrator.llm.factory import open_llm
from orchestrator.llm.prompts import PromptSet
from orchestrator.planning.base import Planner
from orchestrator.planning.llm import LLMPlanner, LLMPlannerConfig
from orchestrator.planning.rules import RulePlanner
from orchestrator.resilience.breaker import CircuitBreaker
from orchestrator.resilience.budget import BudgetConfig
from orchestrator.resilience.guard import GuardConfig
from orchestrator.security.identity import Callers
from orchestrator.security.keys import ApiKeyStore
from orchestrator.security.limits import RateLimits
from orchestrator.security.mode import check_mode, issuers, token_verifier
from orchestrator.settings import Settings
from orchestrator.state.base import KVStore
from orchestrator.state.cache import TieredCache
from orchestrator.state.factory import open_store
from orchestrator.state.sessions import SessionStore
from orchestrator.synthesis.base import Synthesizer
from orchestrator.synthesis.llm import LLMSynthesizer, LLMSynthesizerConfig
from orchestrator.synthesis.templates import TemplateSynthesizer
from orchestrator.tools.catalog import Catalog
from orchestrator.tools.http import HttpToolSource

if TYPE_CHECKING:
    from orchestrator.api.mcp import OrchestratorMcpServer
    from orchestrator.tools.mcp import McpToolSource

logger = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    """The orchestrator app for these settings; nothing is connected until the lifespan starts.

    Raises `PromptError` when a prompt file is missing or does not match the code, and
    `PluginError` when the conversation plug-in cannot be loaded or its flows do not hold together.
    """
    prompts = PromptSet.load(Path(settings.prompts_dir) if settings.prompts_dir else None)
    plugin = load_plugin(settings.conversations, llm=None, prompts=prompts, model_intents=False)
    if plugin is not None and (problems := flow_problems(plugin)):
        raise PluginError(f"conversations {settings.conversations!r}: " + "; ".join(problems))
    app = FastAPI(
        title="MCP Orchestrator",
        version=__version__,
        description="Answers natural-language questions over business data held by MCP services.",
        lifespan=_lifespan,
        telemetry=NATIVE_TELEMETRY_OFF,
        docs_url="/docs" if surface.docs_enabled(settings) else None,
        redoc_url="/redoc" if surface.docs_enabled(settings) else None,
        openapi_url="/openapi.json" if surface.docs_enabled(settings) else None,
    )
    app.state.settings = settings
    app.state.prompts = prompts
    check_mode(settings)
    app.state.callers = Callers(settings, tokens=token_verifier(settings))
    app.include_router(query.router)  # the busiest routes first: each request is matched in route order
    app.include_router(orchestrate.router)
    app.include_router(health.router)
    channels.install(app, settings)  # SMS, WhatsApp, signed webhooks: only when configured
    app.state.mcp = LazyMcp(lambda: _mcp_server(app), settings.allowed_hosts)  # built on the first /mcp request
    for route in app.state.mcp.routes():
        if isinstance(route, HttpRoute):  # the caller is named on /mcp only: no layer on the other routes
            route.app = McpCallerMiddleware(route.app, callers=app.state.callers)
        app.router.routes.append(route)
    app.include_router(health.probes)  # /health/live, /health/ready: after the routes clients call
    surface.install(app, settings)  # Host allowlist, security headers, body cap, CORS
    metrics.install(app, settings)  # the request's span, metrics (ORCH_METRICS) and access log; GET /metrics
    errors.install(app, as_http_status=settings.errors_as_http_status)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    # Idle connections are closed before the services' uvicorn does (5 s): a write is never retried, so it must
    # not be sent on a connection the service is closing at that moment.
    connector = aiohttp.TCPConnector(limit=settings.max_connections, keepalive_timeout=4.0)
    timeout = aiohttp.ClientTimeout(total=settings.call_timeout_s, sock_connect=min(1.0, settings.call_timeout_s))
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        store = open_store(settings)
        app.state.limits = RateLimits.from_settings(settings)
        callers: Callers = app.state.callers
        callers.keys = ApiKeyStore(store, cache_s=settings.api_key_cache_s)
        _announce(settings)
        mcp_sources = _mcp_sources(settings)
        tokens = IdTokens() if wants_id_tokens(settings.service_auth) else None
        signer = caller_signer(settings.caller_keys, settings.caller_key_id, issuer="orchestrator")
        services = [
            HttpToolSource(name, url, session, auth=tokens, assertions=signer)
            for name, url in settings.services.items()
        ]
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
        llm = open_llm(settings)
        prompts: PromptSet = app.state.prompts
        plugin = load_plugin(settings.conversations, llm=llm, prompts=prompts, model_intents=settings.llm_intents)
        if plugin is not None:
            _check_tools(settings, plugin, catalog)
        app.state.cache, app.state.llm = cache, llm
        app.state.engine = _engine(settings, catalog, cache, store, llm, prompts, plugin)
        metrics.bind(app, cache, llm, app.state.engine.executor.guards)
        health.bind(app, store, catalog)
        channels.bind(app, store)
        mcp: LazyMcp = app.state.mcp
        refresher = asyncio.create_task(_refresh_forever(catalog, settings.catalog_refresh_s))
        try:
            async with mcp.running():
                heap.settle()
                yield
        finally:
            refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refresher
            await asyncio.gather(*(source.aclose() for source in mcp_sources))
            if llm is not None:
                await llm.aclose()
            if callers.tokens is not None:
                await callers.tokens.aclose()
            await store.close()


def _engine(
    settings: Settings,
    catalog: Catalog,
    cache: TieredCache,
    store: KVStore,
    llm: LLM | None,
    prompts: PromptSet,
    plugin: ConversationPlugin | None,
) -> Engine:
    executor = Executor(
        catalog,
        cache,
        ExecutorConfig(
            call_timeout_s=settings.call_timeout_s,
            deadline_s=settings.deadline_s,
            retries=settings.retries,
            retry_backoff_s=settings.retry_backoff_s,
            cache_results=settings.tool_cache,
            guard=GuardConfig(
                settings.source_breaker_failures, settings.source_breaker_cooldown_s, settings.source_max_concurrency
            ),
        ),
    )
    planner = _planner(settings, llm, prompts, cache)
    synthesizer = _synthesizer(settings, llm, prompts, plugin)
    versions = prompts.versions() if llm else {}
    # Answers depend on who planned and wrote them: a new model or prompt never serves old answers.
    variant = "|".join([planner.name, synthesizer.name, llm.name if llm else "-", *sorted(versions.values())])
    message = None
    if plugin is not None:
        sessions = SessionStore(store, ttl_s=settings.session_ttl_s)
        message = Route(
            "message",
            FlowPlanner(plugin),
            ConversationReplies(plugin),
            sessions=sessions,
            budget_s=settings.budget_message_s,
        )
    question = question_route(planner, synthesizer, budget_s=settings.budget_query_s)
    return Engine(
        catalog=catalog,
        executor=executor,
        routes=Routes(question, tool_call_route(budget_s=settings.budget_tool_call_s), message),
        budget_config=BudgetConfig(model_share=settings.llm_budget_share, min_model_s=settings.llm_min_attempt_s),
        answers=AnswerCache(cache, ttl_s=settings.answer_ttl_s, variant=variant),
        model=llm.name if llm else None,
        prompt_versions=versions,
        refuse_other_people=settings.mode == "production",
    )


def _announce(settings: Settings) -> None:
    if settings.mode == "development":
        logger.warning(
            "development mode: the email each request names is trusted, without authentication "
            "(ORCH_MODE=production authenticates every caller)",
            extra={"event_type": "mode", "mode": "development"},
        )
    else:
        names = [issuer.issuer for issuer in issuers(settings)]
        logger.info(
            "production mode: callers authenticate with ID tokens of %s or API keys",
            ", ".join(names) or "no issuer",
            extra={"event_type": "mode", "mode": "production"},
        )


def _check_tools(settings: Settings, plugin: ConversationPlugin, catalog: Catalog) -> None:
    listed = {name: status.up for name, status in catalog.status.items()}
    problems = tool_problems(plugin, catalog, listed)
    down = sorted(name for name, up in listed.items() if not up)
    if down:
        logger.warning("services down at start-up, their flows' tools unchecked: %s", ", ".join(down))
    if missing := unserved(plugin, listed):
        logger.warning(
            "conversation flows whose services are not configured (their turns answer that the call failed): %s",
            "; ".join(f"{intent} needs {', '.join(names)}" for intent, names in missing.items()),
        )
    if problems:
        for problem in problems:
            logger.error("conversation plug-in: %s", problem, extra={"event_type": "plugin_error"})
        raise PluginError(
            f"conversations {settings.conversations!r} do not match the catalog: "
            + "; ".join(problems)
            + " (set ORCH_CONVERSATIONS=none to run without conversations)"
        )


def _mcp_server(app: FastAPI) -> OrchestratorMcpServer:
    """The orchestrator's MCP server, on the running engine (the MCP SDK is imported here, not at start-up)."""
    from orchestrator.api.mcp import OrchestratorMcpServer

    server = OrchestratorMcpServer(app.state.settings)
    server.bind(app.state.engine)
    return server


def _mcp_sources(settings: Settings) -> list[McpToolSource]:
    if not settings.mcp_servers:
        return []
    from orchestrator.tools.mcp import McpToolSource  # the MCP SDK's client: only for third-party MCP servers

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


def _synthesizer(
    settings: Settings, llm: LLM | None, prompts: PromptSet, plugin: ConversationPlugin | None
) -> Synthesizer:
    templates = TemplateSynthesizer([plugin.answer_templates] if plugin and plugin.answer_templates else [])
    if llm is None or not settings.llm_synthesis:
        return templates
    config = LLMSynthesizerConfig(
        result_budget_chars=settings.llm_result_budget_chars, max_output_tokens=settings.llm_max_output_tokens
    )
    return LLMSynthesizer(llm, prompts, fallback=templates, config=config)


async def _refresh_forever(catalog: Catalog, interval_s: float) -> None:
    """Re-read tool listings; sooner while a service is down, so it rejoins quickly."""
    while True:
        degraded = any(not s.up for s in catalog.status.values())
        await asyncio.sleep(min(interval_s, 2.0) if degraded else interval_s)
        try:
            await catalog.refresh()
        except Exception:
            logger.exception("catalog refresh failed")
