"""`create_app`: the customer-profile service's FastAPI app over its own database."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from fastapi import FastAPI

from customer_profile_service.repository import ProfileRepository
from customer_profile_service.seed import seed_profiles
from customer_profile_service.settings import Settings
from customer_profile_service.tools import build_registry
from mcp_common.app import create_service_app
from mcp_common.clock import Clock, SystemClock
from mcp_common.db import Database
from mcp_common.readiness_checks import database_check

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    """The service app; its lifespan migrates (and seeds) the database and closes it on shutdown; it is ready
    while the database answers."""
    clock = clock or SystemClock()
    db = Database(settings.database_url)
    seed = partial(seed_profiles, clock=clock) if settings.seed_demo else None
    lifespan = partial(db.in_service, MIGRATIONS, seed=seed)
    registry = build_registry(ProfileRepository(db, clock))
    checks = [database_check(db, MIGRATIONS)]
    return create_service_app(registry, settings.service_config(), lifespan=lifespan, readiness_checks=checks)
