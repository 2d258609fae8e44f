"""`create_app`: the order service's FastAPI app; its lifespan opens the database and the clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from mcp_common.app import Running, create_service_app
from mcp_common.client import ServiceClient
from mcp_common.clock import Clock, SystemClock
from mcp_common.db import Database
from mcp_common.readiness_checks import PeerChecks, database_check
from order_service.downstream import MenuGateway, ProfileGateway
from order_service.seed import seed_demo_orders
from order_service.service import OrderService
from order_service.settings import Settings
from order_service.store import OrderStore
from order_service.tools import build_registry

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    """The service app; time comes from `clock` (the system clock unless a test passes one). It is ready
    while its database answers and menu and customer_profile are up."""
    clock = clock or SystemClock()
    running: Running[OrderService] = Running("order")
    db = Database(settings.database_url)
    tokens, signer, timeout = settings.id_tokens(), settings.caller_signer("order"), settings.downstream_timeout_s
    menu = ServiceClient("menu", settings.menu_url, timeout_s=timeout, auth=tokens, assertions=signer)
    profiles = ServiceClient(
        "customer_profile", settings.customer_profile_url, timeout_s=timeout, auth=tokens, assertions=signer
    )
    peers = PeerChecks({"menu": settings.menu_url, "customer_profile": settings.customer_profile_url}, auth=tokens)

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        seed = partial(seed_demo_orders, now=clock.now(), timings=settings.timings) if settings.seed_demo else None
        try:
            async with db.in_service(MIGRATIONS, seed=seed):
                running.service = OrderService(
                    store=OrderStore(db),
                    menu=MenuGateway(menu),
                    profiles=ProfileGateway(profiles),
                    clock=clock,
                    timings=settings.timings,
                )
                yield
        finally:
            running.service = None
            await menu.aclose()
            await profiles.aclose()
            await peers.aclose()

    checks = [database_check(db, MIGRATIONS), *peers.checks()]
    return create_service_app(
        build_registry(running), settings.service_config(), lifespan=lifespan, readiness_checks=checks
    )
