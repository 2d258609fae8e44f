"""The customer-profile app over real HTTP: identity binding, persistence across restarts, tool listing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from profile_fixtures import ADA, GRACE, post_call, settings

from customer_profile_service.app import create_app
from customer_profile_service.settings import Settings
from mcp_common.clock import ManualClock
from mcp_devtools.testing import serve


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("profiles") / "profiles.db"
    with serve(create_app(settings(f"sqlite+aiosqlite:///{database}"))) as base:
        yield base


def test_the_app_migrates_and_seeds_its_database_on_start(database_url: str) -> None:
    with serve(create_app(settings(database_url), clock=ManualClock())) as base:
        body = post_call(base, "get_profile", {"email": ADA}, caller=ADA)
    assert body["ok"] is True
    assert body["service"] == "customer_profile"
    assert body["result"]["allergens"] == ["peanuts"]
    assert body["result"]["updated_at"] == "2026-01-05T12:00:00Z"


def test_grace_asking_for_adas_profile_is_forbidden(url: str) -> None:
    body = post_call(url, "get_profile", {"email": ADA}, caller=GRACE)
    assert body["ok"] is False
    assert body["error"]["code"] == "FORBIDDEN"
    assert "result" not in body


def test_grace_cannot_change_adas_preferences_or_addresses(url: str) -> None:
    update = post_call(url, "update_preferences", {"email": ADA, "allergens": []}, caller=GRACE)
    address = {"email": ADA, "label": "home", "line1": "1 Evil Lane", "city": "London", "postcode": "N1 1AA"}
    added = post_call(url, "add_address", {**address, "make_default": True}, caller=GRACE)
    ada = post_call(url, "get_profile", {"email": ADA}, caller=ADA)["result"]
    assert update["error"]["code"] == added["error"]["code"] == "FORBIDDEN"
    assert ada["allergens"] == ["peanuts"]
    assert "1 Evil Lane" not in {a["line1"] for a in ada["addresses"]}


def test_the_identity_check_ignores_email_case(url: str) -> None:
    body = post_call(url, "get_profile", {"email": "GRACE@example.com"}, caller="grace@EXAMPLE.com")
    assert body["ok"] is True
    assert body["result"]["email"] == GRACE


def test_an_unknown_customer_is_a_not_found_error_body(url: str) -> None:
    body = post_call(url, "get_profile", {"email": "eve@example.com"}, caller="eve@example.com")
    assert body["error"] == {"code": "NOT_FOUND", "message": "no customer profile for that email", "retryable": False}


def test_a_malformed_email_is_an_invalid_request(url: str) -> None:
    body = post_call(url, "get_profile", {"email": "not-an-email"})
    assert body["error"]["code"] == "INVALID_REQUEST"
    assert "email" in body["error"]["message"]


def test_writes_persist_across_a_restart_on_the_same_database_file(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'profiles.db'}"
    clock = ManualClock()
    with serve(create_app(settings(database_url), clock=clock)) as base:
        clock.advance(timedelta(hours=1))
        post_call(base, "update_preferences", {"email": ADA, "dietary_preferences": ["vegan"]}, caller=ADA)
        address = {"email": ADA, "label": "other", "line1": "3 Lab Lane", "city": "London", "postcode": "E2 7DG"}
        post_call(base, "add_address", {**address, "make_default": True}, caller=ADA)
    with serve(create_app(settings(database_url), clock=ManualClock())) as base:
        ada = post_call(base, "get_profile", {"email": ADA}, caller=ADA)["result"]
    assert ada["dietary_preferences"] == ["vegan"]
    assert ada["allergens"] == ["peanuts"]
    assert [(a["address_id"], a["is_default"]) for a in ada["addresses"]] == [
        ("addr-ada-home", False),
        ("addr-ada-work", False),
        ("addr-ada-other", True),
    ]
    assert ada["updated_at"] == "2026-01-05T13:00:00Z"


def test_tool_listing_binds_every_tool_to_the_callers_email(url: str) -> None:
    listing = httpx.get(f"{url}/mcp/tools", timeout=10).json()
    tools = {t["name"]: t for t in listing["tools"]}
    assert listing["service"] == "customer_profile"
    assert set(tools) == {"get_profile", "update_preferences", "add_address"}
    assert all(t["identity_args"] == ["email"] for t in tools.values())
    assert {n: t["writes"] for n, t in tools.items()} == {
        "get_profile": False,
        "update_preferences": True,
        "add_address": True,
    }
    assert tools["get_profile"]["cache_ttl_s"] == 120
    assert tools["update_preferences"]["cache_ttl_s"] == tools["add_address"]["cache_ttl_s"] == 0
    examples = [e.lower() for t in tools.values() for e in t["examples"]]
    assert all(t["examples"] for t in tools.values())
    assert len(examples) == len(set(examples))


def test_every_input_and_output_field_is_described_for_planners(url: str) -> None:
    listing = httpx.get(f"{url}/mcp/tools", timeout=10).json()
    for tool in listing["tools"]:
        for schema in (tool["input_schema"], tool["output_schema"]):
            for model in [schema, *schema.get("$defs", {}).values()]:
                for name, prop in model.get("properties", {}).items():
                    assert prop.get("description"), f"{tool['name']}: {name} has no description"


def test_settings_read_the_customer_profile_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUSTOMER_PROFILE_PORT", "9104")
    monkeypatch.setenv("CUSTOMER_PROFILE_SEED_DEMO", "false")
    monkeypatch.setenv("CUSTOMER_PROFILE_DATABASE_URL", "postgresql://profiles@db/profiles")
    configured = Settings(_env_file=None)
    assert (configured.port, configured.seed_demo, configured.database_url) == (
        9104,
        False,
        "postgresql://profiles@db/profiles",
    )


def test_settings_default_to_port_8104_and_a_local_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CUSTOMER_PROFILE_PORT", "CUSTOMER_PROFILE_SEED_DEMO", "CUSTOMER_PROFILE_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    defaults = Settings(_env_file=None)
    assert (defaults.port, defaults.seed_demo) == (8104, True)
    assert defaults.database_url == "sqlite+aiosqlite:///var/customer_profile.db"


def test_without_the_demo_seed_there_are_no_profiles(tmp_path: Path) -> None:
    app = create_app(settings(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}", seed_demo=False))
    with serve(app) as base:
        body = post_call(base, "get_profile", {"email": ADA})
    assert body["error"]["code"] == "NOT_FOUND"


def test_on_a_read_only_database_profiles_are_read_and_changes_refused_as_retryable(tmp_path: Path) -> None:
    path = tmp_path / "profiles.db"
    with serve(create_app(settings(f"sqlite+aiosqlite:///{path}"), clock=ManualClock())):
        pass
    read_only = settings(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true")
    with serve(create_app(read_only, clock=ManualClock())) as base:
        ada = post_call(base, "get_profile", {"email": ADA}, caller=ADA)
        update = post_call(base, "update_preferences", {"email": ADA, "allergens": []}, caller=ADA)
    assert ada["result"]["allergens"] == ["peanuts"]
    assert update["error"]["code"] == "SERVICE_UNAVAILABLE" and update["error"]["retryable"] is True
    assert "read-only" in update["error"]["message"]
