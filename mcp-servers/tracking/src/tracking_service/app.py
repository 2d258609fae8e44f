"""`create_app`: the tracking service's FastAPI app; its lifespan opens the database and the order client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from mcp_common.app import Running, create_service_app
from mcp_common.client import ServiceClient
from mcp_common.clock import Clock, SystemClock
from mcp_common.db import Database
from mcp_common.readiness_checks import PeerChecks, database_check
from tracking_service.couriers import CourierStore, seed_couriers
from tracking_service.orders import OrderGateway
from tracking_service.service import TrackingService
from tracking_service.settings import Settings
from tracking_service.tools import build_registry

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    """The service app; time comes from `clock` (the system clock unless a test passes one). It is ready
    while its database answers and order is up."""
    clock = clock or SystemClock()
    running: Running[TrackingService] = Running("tracking")
    db = Database(settings.database_url)
    tokens = settings.id_tokens()
    orders = ServiceClient(
        "order",
        settings.order_url,
        timeout_s=settings.downstream_timeout_s,
        auth=tokens,
        assertions=settings.caller_signer("tracking"),
    )
    peers = PeerChecks({"order": settings.order_url}, auth=tokens)

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        try:
            async with db.in_service(MIGRATIONS, seed=seed_couriers if settings.seed_demo else None):
                running.service = TrackingService(orders=OrderGateway(orders), couriers=CourierStore(db), clock=clock)
                yield
        finally:
            running.service = None
            await orders.aclose()
            await peers.aclose()

    checks = [database_check(db, MIGRATIONS), *peers.checks()]
    return create_service_app(
        build_registry(running), settings.service_config(), lifespan=lifespan, readiness_checks=checks
    )
