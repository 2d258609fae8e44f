"""`create_app`: the chargebee service as a FastAPI app serving `/mcp/tools`, `/mcp/call` and `/mcp`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from chargebee_service.backends.base import BillingBackend
from chargebee_service.settings import Settings
from chargebee_service.tools import build_registry
from mcp_common.app import create_service_app
from mcp_common.readiness import PROBE_EMAIL, Check, answered


def create_app(settings: Settings, *, backend: BillingBackend | None = None) -> FastAPI:
    """The service app; `backend` defaults to the one `settings.backend` names. With the real API it is ready
    while Chargebee answers an authenticated look-up; the demo backend needs nothing."""
    billing = backend if backend is not None else backend_from_settings(settings)
    checks = []
    if settings.backend == "chargebee":
        checks.append(Check("chargebee", answered(lambda: billing.find_customer(PROBE_EMAIL)), timeout_s=2.0))

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        try:
            yield
        finally:
            await billing.aclose()

    return create_service_app(
        build_registry(billing), settings.service_config(), lifespan=lifespan, readiness_checks=checks
    )


def backend_from_settings(settings: Settings) -> BillingBackend:
    """The adapter `settings.backend` names, imported only when chosen."""
    if settings.backend == "chargebee":
        from chargebee_service.backends.chargebee_api import ChargebeeBillingApi

        assert settings.api_key is not None  # guaranteed by Settings validation
        return ChargebeeBillingApi(
            base_url=settings.api_base_url(),
            api_key=settings.api_key.get_secret_value(),
            timeout_s=settings.timeout_s,
        )
    from chargebee_service.backends.demo import DemoBilling

    return DemoBilling()
