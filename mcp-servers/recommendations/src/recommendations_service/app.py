"""`create_app`: the recommendations service's FastAPI app, its database and its downstream clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from mcp_common.app import create_service_app
from mcp_common.client import ServiceClient
from mcp_common.clock import Clock, SystemClock
from mcp_common.db import Database
from mcp_common.readiness_checks import PeerChecks, database_check
from recommendations_service.downstream import Downstream
from recommendations_service.impressions import ImpressionStore
from recommendations_service.service import Policy, Recommender
from recommendations_service.settings import Settings
from recommendations_service.tools import build_registry

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    """The service app; its lifespan migrates the database and opens the downstream clients. It is ready while
    its database answers and menu, customer_profile and order are up."""
    db = Database(settings.database_url)
    timeout = settings.downstream_timeout_s
    tokens, signer = settings.id_tokens(), settings.caller_signer("recommendations")
    downstream = Downstream(
        menu=ServiceClient("menu", settings.menu_url, timeout_s=timeout, auth=tokens, assertions=signer),
        customer_profile=ServiceClient(
            "customer_profile", settings.customer_profile_url, timeout_s=timeout, auth=tokens, assertions=signer
        ),
        order=ServiceClient("order", settings.order_url, timeout_s=timeout, auth=tokens, assertions=signer),
    )
    policy = Policy(
        variety_window=timedelta(hours=settings.variety_window_hours),
        retention=timedelta(days=settings.impression_retention_days),
    )
    urls = {"menu": settings.menu_url, "customer_profile": settings.customer_profile_url, "order": settings.order_url}
    peers = PeerChecks(urls, auth=tokens)
    recommender = Recommender(downstream, ImpressionStore(db), clock or SystemClock(), policy)

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        try:
            # No demo rows to seed (`seed_demo` is moot here): impressions accrue as dishes are served.
            async with db.in_service(MIGRATIONS):
                yield
        finally:
            await downstream.aclose()
            await peers.aclose()

    checks = [database_check(db, MIGRATIONS), *peers.checks()]
    registry = build_registry(recommender)
    return create_service_app(registry, settings.service_config(), lifespan=lifespan, readiness_checks=checks)
