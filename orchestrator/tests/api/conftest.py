"""Fixtures of the `/mcp` tests: real services and orchestrators on loopback, one set per test module."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from orch_mcp_harness import ADA, ADA_KEY, GRACE, LIMITED_KEY

from chargebee_service.app import create_app as billing_app
from chargebee_service.settings import Settings as BillingSettings
from customer_profile_service.app import create_app as profile_app
from customer_profile_service.settings import Settings as ProfileSettings
from hubspot_service.app import create_app as crm_app
from hubspot_service.settings import Settings as CrmSettings
from mcp_devtools.testing import serve
from orchestrator.app import create_app
from orchestrator.settings import Settings

# --- servers -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """chargebee and hubspot (read tools only) plus customer_profile (which has write tools)."""
    profiles_db = tmp_path_factory.mktemp("profiles") / "profiles.db"
    with (
        serve(billing_app(BillingSettings())) as billing,
        serve(crm_app(CrmSettings())) as crm,
        serve(profile_app(ProfileSettings(database_url=f"sqlite+aiosqlite:///{profiles_db}"))) as profiles,
    ):
        yield {"chargebee": billing, "hubspot": crm, "customer_profile": profiles}


@pytest.fixture(scope="module")
def listings(services: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Every service tool as the services list them (`GET /mcp/tools`), by namespaced name."""
    return {
        f"{service}.{tool['name']}": tool
        for service, url in services.items()
        for tool in httpx.get(f"{url}/mcp/tools", timeout=10).json()["tools"]
    }


@contextmanager
def orchestrator(services: dict[str, str], **settings: Any) -> Iterator[str]:
    with serve(create_app(Settings(services=services, state_backend="memory", **settings))) as url:
        yield url


@pytest.fixture(scope="module")
def orch(services: dict[str, str]) -> Iterator[str]:
    """Default settings: catalog tools `read`, every tool allowed, no API keys."""
    with orchestrator(services) as url:
        yield url


@pytest.fixture(scope="module")
def orch_all(services: dict[str, str]) -> Iterator[str]:
    with orchestrator(services, mcp_catalog_tools="all") as url:
        yield url


@pytest.fixture(scope="module")
def orch_none(services: dict[str, str]) -> Iterator[str]:
    with orchestrator(services, mcp_catalog_tools="none") as url:
        yield url


@pytest.fixture(scope="module")
def orch_billing_only(services: dict[str, str]) -> Iterator[str]:
    with orchestrator(services, allowed_tools=["chargebee.*"]) as url:
        yield url


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@pytest.fixture(scope="module")
def orch_keyed(services: dict[str, str]) -> Iterator[str]:
    keys = {
        sha256(ADA_KEY): {"email": ADA},
        sha256(LIMITED_KEY): {"email": GRACE, "allowed_tools": ["hubspot.*"]},
    }
    with orchestrator(services, mcp_api_keys=keys) as url:
        yield url
