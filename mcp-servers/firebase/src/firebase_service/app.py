"""`create_app`: the firebase service as a FastAPI app serving `/mcp/tools`, `/mcp/call` and `/mcp`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from firebase_service.backends.base import AppUsersBackend
from firebase_service.settings import Settings
from firebase_service.tools import build_registry
from mcp_common.app import create_service_app
from mcp_common.clock import Clock
from mcp_common.readiness import PROBE_EMAIL, Check, answered


def create_app(settings: Settings, *, backend: AppUsersBackend | None = None, clock: Clock | None = None) -> FastAPI:
    """The service app; `backend` defaults to the one `settings.backend` names, `clock` to the system's. With
    the real project it is ready while Firebase Auth answers an authenticated look-up; the demo needs nothing."""
    users = backend if backend is not None else backend_from_settings(settings)
    checks = []
    if settings.backend == "firebase":
        checks.append(Check("firebase", answered(lambda: users.find_user(PROBE_EMAIL)), timeout_s=2.0))

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        try:
            yield
        finally:
            await users.aclose()

    registry = build_registry(users, clock=clock)
    return create_service_app(registry, settings.service_config(), lifespan=lifespan, readiness_checks=checks)


def backend_from_settings(settings: Settings) -> AppUsersBackend:
    """The adapter `settings.backend` names, imported only when chosen."""
    if settings.backend == "firebase":
        from firebase_service.backends.firebase import FirebaseAppUsers

        assert settings.project_id is not None  # guaranteed by Settings validation
        return FirebaseAppUsers(
            project_id=settings.project_id,
            usage_collection=settings.usage_collection,
            database=settings.database,
            timeout_s=settings.timeout_s,
        )
    from firebase_service.backends.demo import DemoAppUsers

    return DemoAppUsers()
