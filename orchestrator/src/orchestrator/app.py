"""`create_app(settings)`: the orchestrator's FastAPI app; its lifespan builds the Engine."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from mcp_common.middleware import TraceMiddleware
from orchestrator import __version__
from orchestrator.api import errors, health, orchestrate, query
from orchestrator.conversation.engine import ConversationEngine
from orchestrator.conversation.intents import RuleIntentClassifier
from orchestrator.engine import Engine, EngineConfig
from orchestrator.execution import Executor, ExecutorConfig
from orchestrator.planning.rules import RulePlanner
from orchestrator.settings import Settings
from orchestrator.state.base import KVStore
from orchestrator.state.cache import TieredCache
from orchestrator.state.sessions import SessionStore
from orchestrator.synthesis import TemplateSynthesizer
from orchestrator.tools.catalog import Catalog
from orchestrator.tools.mcp_call import HttpToolSource

logger = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    """The orchestrator app for these settings; nothing is connected until the lifespan starts."""
    app = FastAPI(
        title="MCP Orchestrator",
        version=__version__,
        description="Answers natural-language questions over business data held by MCP services.",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["*"],
    )
    app.add_middleware(TraceMiddleware, service="orchestrator")
    errors.install(app, as_http_status=settings.errors_as_http_status)
    app.include_router(query.router)
    app.include_router(orchestrate.router)
    app.include_router(health.router)
    return app


def open_store(settings: Settings) -> KVStore:
    """The shared (L1) store named by `state_backend`."""
    if settings.state_backend == "memory":
        from orchestrator.state.memory import MemoryKVStore

        return MemoryKVStore()
    from orchestrator.state.sqlite import SqliteKVStore

    return SqliteKVStore(settings.state_path)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    connector = aiohttp.TCPConnector(limit=settings.max_connections, keepalive_timeout=30)
    timeout = aiohttp.ClientTimeout(total=settings.call_timeout_s, sock_connect=min(1.0, settings.call_timeout_s))
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        store = open_store(settings)
        catalog = Catalog([HttpToolSource(name, url, session) for name, url in settings.services.items()])
        await catalog.refresh()
        cache = TieredCache(
            store,
            l2_max_entries=settings.l2_max_entries,
            l2_max_ttl_s=settings.l2_max_ttl_s,
            l1_timeout_s=settings.l1_timeout_s,
        )
        executor_config = ExecutorConfig(
            call_timeout_s=settings.call_timeout_s,
            deadline_s=settings.deadline_s,
            retries=settings.retries,
            retry_backoff_s=settings.retry_backoff_s,
        )
        executor = Executor(catalog, cache, executor_config)
        app.state.engine = Engine(
            catalog=catalog,
            planner=RulePlanner(),
            executor=executor,
            synthesizer=TemplateSynthesizer(),
            cache=cache,
            config=EngineConfig(answer_ttl_s=settings.answer_ttl_s),
        )
        app.state.conversations = ConversationEngine(
            catalog=catalog,
            executor=executor,
            classifier=RuleIntentClassifier(),
            sessions=SessionStore(store, ttl_s=settings.session_ttl_s),
        )
        refresher = asyncio.create_task(_refresh_forever(catalog, settings.catalog_refresh_s))
        try:
            yield
        finally:
            refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refresher
            await store.close()


async def _refresh_forever(catalog: Catalog, interval_s: float) -> None:
    """Re-read tool listings; sooner while a service is down, so it rejoins quickly."""
    while True:
        degraded = any(not s.up for s in catalog.status.values())
        await asyncio.sleep(min(interval_s, 2.0) if degraded else interval_s)
        try:
            await catalog.refresh()
        except Exception:
            logger.exception("catalog refresh failed")
