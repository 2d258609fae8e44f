"""`create_app`: the menu service's FastAPI app over its own database."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from fastapi import FastAPI

from mcp_common.app import create_service_app
from mcp_common.clock import Clock
from mcp_common.db import Database
from mcp_common.readiness_checks import database_check
from menu_service.repository import MenuRepository
from menu_service.seed import seed_menu
from menu_service.settings import Settings
from menu_service.tools import build_registry

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    """The service app; its lifespan migrates (and seeds) the database and closes it on shutdown; it is
    ready while the database answers.

    `clock` is accepted so every food service is built alike; the menu has no time-dependent behaviour.
    """
    db = Database(settings.database_url)
    lifespan = partial(db.in_service, MIGRATIONS, seed=seed_menu if settings.seed_demo else None)
    return create_service_app(
        build_registry(MenuRepository(db)),
        settings.service_config(),
        lifespan=lifespan,
        readiness_checks=[database_check(db, MIGRATIONS)],
    )
