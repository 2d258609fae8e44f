"""`create_app`: the hubspot service's FastAPI app, with the backend its settings choose."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from hubspot_service.backends.base import CrmBackend
from hubspot_service.settings import Settings
from hubspot_service.tools import build_registry
from mcp_common.app import create_service_app
from mcp_common.readiness import PROBE_EMAIL, Check, answered


def build_backend(settings: Settings) -> CrmBackend:
    """The `CrmBackend` named by `settings.backend`; adapters are imported only when chosen."""
    if settings.backend == "hubspot":
        from hubspot_service.backends.hubspot_api import HubSpotCrmApi

        if settings.access_token is None:
            raise ValueError("HUBSPOT_ACCESS_TOKEN must be set when HUBSPOT_BACKEND is 'hubspot'")
        return HubSpotCrmApi(
            access_token=settings.access_token.get_secret_value(),
            base_url=settings.base_url,
            timeout_s=settings.timeout_s,
        )
    from hubspot_service.backends.demo import DemoCrm

    return DemoCrm()


def create_app(settings: Settings) -> FastAPI:
    """The service app; its lifespan closes the backend's connections on shutdown. With the real API it is
    ready while HubSpot answers an authenticated search; the demo backend needs nothing."""
    backend = build_backend(settings)
    checks = []
    if settings.backend == "hubspot":
        checks.append(Check("hubspot", answered(lambda: backend.contact(PROBE_EMAIL)), timeout_s=2.0))

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        try:
            yield
        finally:
            await backend.aclose()

    return create_service_app(
        build_registry(backend), settings.service_config(), lifespan=lifespan, readiness_checks=checks
    )
