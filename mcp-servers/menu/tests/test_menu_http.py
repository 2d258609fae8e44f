"""The menu app over real HTTP: start-up migrates and seeds, `/mcp/call` answers, `/mcp/tools` describes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from menu_fixtures import post_call, settings

from mcp_devtools.testing import serve
from menu_service.app import create_app
from menu_service.settings import Settings


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("menu") / "menu.db"
    with serve(create_app(settings(f"sqlite+aiosqlite:///{database}"))) as base:
        yield base


def test_the_app_migrates_and_seeds_its_database_on_start(database_url: str) -> None:
    with serve(create_app(settings(database_url))) as base:
        body = post_call(base, "list_categories", {})
    assert body["ok"] is True
    assert body["service"] == "menu"
    assert len(body["result"]["categories"]) == 8


def test_a_second_start_on_the_same_database_keeps_one_menu(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'menu.db'}"
    with serve(create_app(settings(database_url))):
        pass
    with serve(create_app(settings(database_url))) as base:
        body = post_call(base, "search_menu", {"include_unavailable": True, "limit": 50})
    assert body["result"]["total"] >= 45
    assert len({i["item_id"] for i in body["result"]["items"]}) == len(body["result"]["items"])


def test_seed_demo_false_starts_with_an_empty_menu(tmp_path: Path) -> None:
    with serve(create_app(settings(f"sqlite+aiosqlite:///{tmp_path / 'menu.db'}", seed_demo=False))) as base:
        body = post_call(base, "search_menu", {})
    assert body["result"]["total"] == 0


def test_search_menu_over_http_filters_and_echoes_the_filters(url: str) -> None:
    body = post_call(
        url,
        "search_menu",
        {"category": "mains", "dietary": ["vegetarian"], "exclude_allergens": ["peanuts"], "max_price": 15},
        caller="ada@example.com",
    )
    result = body["result"]
    assert body["ok"] is True
    assert [i["item_id"] for i in result["items"]] == ["m-10", "m-16", "m-21", "m-09", "m-12", "m-26"]
    assert result["filters"] == {
        "text": None,
        "category": "mains",
        "dietary": ["vegetarian"],
        "exclude_allergens": ["peanuts"],
        "max_price": 15.0,
        "include_unavailable": False,
        "limit": 10,
    }


def test_an_unknown_item_over_http_is_a_not_found_error_body(url: str) -> None:
    body = post_call(url, "get_item", {"item_id": "m-99"})
    assert body["ok"] is False
    assert body["error"] == {"code": "NOT_FOUND", "message": "menu item m-99 does not exist", "retryable": False}


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 51}, "limit"),
        ({"category": "breakfast"}, "category"),
        ({"dietary": ["keto"]}, "dietary"),
        ({"exclude_allergens": ["celery"]}, "exclude_allergens"),
        ({"max_price": -1}, "max_price"),
    ],
)
def test_invalid_search_arguments_are_invalid_requests_naming_the_field(
    url: str, arguments: dict[str, object], field: str
) -> None:
    body = post_call(url, "search_menu", arguments)
    assert body["error"]["code"] == "INVALID_REQUEST"
    assert field in body["error"]["message"]


def test_get_items_needs_one_to_fifty_ids(url: str) -> None:
    assert post_call(url, "get_items", {"item_ids": []})["error"]["code"] == "INVALID_REQUEST"
    too_many = [f"m-{n:02d}" for n in range(51)]
    assert post_call(url, "get_items", {"item_ids": too_many})["error"]["code"] == "INVALID_REQUEST"


def test_tool_listing_declares_four_cached_read_only_tools_with_examples(url: str) -> None:
    listing = httpx.get(f"{url}/mcp/tools", timeout=10).json()
    tools = {t["name"]: t for t in listing["tools"]}
    assert listing["service"] == "menu"
    assert set(tools) == {"search_menu", "get_item", "get_items", "list_categories"}
    assert all(not t["writes"] and t["identity_args"] == [] and t["cache_ttl_s"] > 0 for t in tools.values())
    assert tools["search_menu"]["cache_ttl_s"] == 300
    assert "show me vegetarian mains under 15" in tools["search_menu"]["examples"]
    assert "what's on the menu?" in tools["list_categories"]["examples"]
    examples = [e.lower() for t in tools.values() for e in t["examples"]]
    assert len(examples) == len(set(examples))


def test_every_input_and_output_field_is_described_for_planners(url: str) -> None:
    listing = httpx.get(f"{url}/mcp/tools", timeout=10).json()
    for tool in listing["tools"]:
        for schema in (tool["input_schema"], tool["output_schema"]):
            models = [schema, *schema.get("$defs", {}).values()]
            for model in models:
                for name, prop in model.get("properties", {}).items():
                    assert prop.get("description"), f"{tool['name']}: {name} has no description"


def test_settings_read_the_menu_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENU_PORT", "9103")
    monkeypatch.setenv("MENU_SEED_DEMO", "false")
    monkeypatch.setenv("MENU_DATABASE_URL", "postgresql://menu@db/menu")
    configured = Settings(_env_file=None)
    assert (configured.port, configured.seed_demo, configured.database_url) == (
        9103,
        False,
        "postgresql://menu@db/menu",
    )


def test_settings_default_to_port_8103_and_a_local_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MENU_PORT", "MENU_SEED_DEMO", "MENU_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    defaults = Settings(_env_file=None)
    assert (defaults.port, defaults.seed_demo, defaults.database_url) == (8103, True, "sqlite+aiosqlite:///var/menu.db")


def test_the_app_starts_on_a_read_only_database_seeded_before_and_answers(tmp_path: Path) -> None:
    path = tmp_path / "menu.db"
    with serve(create_app(settings(f"sqlite+aiosqlite:///{path}"))):
        pass
    with serve(create_app(settings(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true"))) as base:
        body = post_call(base, "search_menu", {"limit": 5})
    assert body["ok"] is True and body["result"]["items"]
