"""`recommend` over real HTTP against fakes of menu, customer_profile and order on loopback."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from recommendations_fakes import ADA_ORDERS, serve_downstreams
from recommendations_harness import Served, call, recommend, serve_recommendations

from customer_profile_service.demo_profiles import PROFILES
from mcp_common.errors import ErrorCode
from menu_service.demo_menu import MENU
from recommendations_service.settings import Settings

DEMO = {i.item_id: i for i in MENU}
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN_ID = "00f067aa0ba902b7"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    database = tmp_path_factory.mktemp("recommendations") / "service.db"
    with serve_downstreams() as downstreams, serve_recommendations(downstreams, f"sqlite:///{database}") as app:
        yield app


@pytest.fixture(scope="module")
def served_with_a_careless_menu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The menu fake ignores `dietary` and `exclude_allergens`: only the local re-check stands."""
    database = tmp_path_factory.mktemp("careless") / "service.db"
    with (
        serve_downstreams(ignore_filters=True) as downstreams,
        serve_recommendations(downstreams, f"sqlite:///{database}") as app,
    ):
        yield app


def _assert_safe_for(email: str, items: list[dict[str, object]]) -> None:
    person = PROFILES[email]
    for item in items:
        dish = DEMO[str(item["item_id"])]
        tags = set(dish.dietary_tags) | ({"vegetarian"} if "vegan" in dish.dietary_tags else set())
        assert dish.available, (email, dish)
        assert not set(person.allergens) & set(dish.allergens), (email, dish)
        assert set(person.dietary_preferences) <= tags, (email, dish)
        assert str(item["reason"]).strip()


async def test_ada_tonight_gets_vegetarian_peanut_free_mains_each_with_a_reason(served: Served) -> None:
    result = await recommend(served.url, "ada@example.com", context="tonight")

    items = result["items"]
    assert result["email"] == "ada@example.com"
    assert len(items) == 5
    assert [i["category"] for i in items] == ["mains"] * 5
    _assert_safe_for("ada@example.com", items)
    assert all("vegetarian" in i["dietary_tags"] and "peanuts" not in i["allergens"] for i in items)
    assert items[0]["reason"].startswith("You often order Indian")
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)
    assert result["based_on"] == {
        "dietary_preferences": ["vegetarian"],
        "allergens": ["peanuts"],
        "favourite_cuisines": ["indian", "italian"],
        "orders_considered": sum(status != "cancelled" for status, _ in ADA_ORDERS),
        "order_history_available": True,
        "context": "tonight",
        "menu_items_considered": result["based_on"]["menu_items_considered"],
        "notes": [],
    }


async def test_the_menu_is_asked_for_the_customers_diet_and_allergies(served: Served) -> None:
    served.downstreams.log.clear()

    await recommend(served.url, "ada@example.com")

    (search,) = served.downstreams.log.of("menu")
    assert search.tool == "search_menu"
    assert search.arguments["dietary"] == ["vegetarian"]
    assert search.arguments["exclude_allergens"] == ["peanuts"]
    assert search.arguments["include_unavailable"] is False


_rng = random.Random(8107)
PROPERTY_CONTEXTS = ["tonight", "something spicy", "lunch", "dessert", "", "satay", "cheese pizza", "a cheap drink"]


@pytest.mark.parametrize("email", sorted(PROFILES))
async def test_even_a_menu_ignoring_its_filters_never_gets_an_unsafe_dish_through(
    served_with_a_careless_menu: Served, email: str
) -> None:
    random_words = " ".join(_rng.choice(["zebra", "curry", "noodles", "qwerty", "tofu", "lamb"]) for _ in range(2))
    contexts = [*PROPERTY_CONTEXTS, random_words]

    results = await asyncio.gather(
        *(recommend(served_with_a_careless_menu.url, email, context=c, limit=20) for c in contexts)
    )

    for context, result in zip(contexts, results, strict=True):
        _assert_safe_for(email, result["items"])
        assert result["items"], (email, context)


async def test_a_customer_with_more_dishes_than_one_menu_page_is_offered_every_category(served: Served) -> None:
    served.downstreams.log.clear()

    result = await recommend(served.url, "grace@example.com", context="a side", limit=3)

    assert {i["category"] for i in result["items"]} == {"sides"}
    searched = {s.arguments.get("category") for s in served.downstreams.log.of("menu")}
    assert searched >= {None, "sides", "desserts", "drinks"}


async def test_asking_for_someone_elses_recommendations_is_forbidden(served: Served) -> None:
    served.downstreams.log.clear()

    reply = await call(served.url, {"email": "ada@example.com"}, caller="grace@example.com")

    assert reply["ok"] is False
    assert reply["error"]["code"] == "FORBIDDEN"
    assert "result" not in reply
    assert served.downstreams.log.calls == []


async def test_downstream_calls_carry_the_callers_identity_and_the_incoming_trace(served: Served) -> None:
    served.downstreams.log.clear()

    reply = await call(
        served.url,
        {"email": "ada@example.com", "context": "lunch"},
        caller="ada@example.com",
        trace_id=TRACE_ID,
        span_id=SPAN_ID,
        session_id="sess-1",
        tenant="acme",
    )

    assert reply["ok"] is True
    calls = served.downstreams.log.calls
    assert {c.service for c in calls} == {"menu", "customer_profile", "order"}
    assert {c.context.trace_id for c in calls} == {TRACE_ID}
    assert {c.context.caller for c in calls} == {"ada@example.com"}
    assert {(c.context.session_id, c.context.tenant) for c in calls} == {("sess-1", "acme")}
    assert SPAN_ID not in {c.context.span_id for c in calls}  # each downstream call is a child span


async def test_a_trace_sent_only_as_traceparent_reaches_the_downstream_services(served: Served) -> None:
    served.downstreams.log.clear()

    reply = await call(
        served.url,
        {"email": "ada@example.com"},
        headers={"traceparent": f"00-{TRACE_ID}-{SPAN_ID}-01"},
        caller="ada@example.com",
    )

    assert reply["ok"] is True
    assert {c.context.trace_id for c in served.downstreams.log.calls} == {TRACE_ID}


async def test_an_unknown_customer_is_not_found(served: Served) -> None:
    reply = await call(served.url, {"email": "nobody@example.com"}, caller="nobody@example.com")

    assert reply["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    "arguments",
    [
        {"email": "ada@example.com", "limit": 0},
        {"email": "ada@example.com", "limit": 21},
        {"email": "ada@example.com", "context": "x" * 201},
        {"email": "not-an-email"},
    ],
)
async def test_invalid_arguments_are_an_invalid_request(served: Served, arguments: dict[str, object]) -> None:
    reply = await call(served.url, arguments)

    assert reply["error"]["code"] == "INVALID_REQUEST"


async def test_menu_down_is_a_clear_service_unavailable(tmp_path: Path) -> None:
    with (
        serve_downstreams(menu_down=True) as downstreams,
        serve_recommendations(downstreams, f"sqlite:///{tmp_path / 'r.db'}") as app,
    ):
        reply = await call(app.url, {"email": "ada@example.com"}, caller="ada@example.com")

    assert reply["ok"] is False
    assert reply["error"]["code"] == ErrorCode.SERVICE_UNAVAILABLE
    assert reply["error"]["retryable"] is True
    assert "menu service is unavailable" in reply["error"]["message"]


async def test_profile_down_is_service_unavailable_since_allergies_cannot_be_checked(tmp_path: Path) -> None:
    with (
        serve_downstreams(profile_down=True) as downstreams,
        serve_recommendations(downstreams, f"sqlite:///{tmp_path / 'r.db'}") as app,
    ):
        reply = await call(app.url, {"email": "ada@example.com"}, caller="ada@example.com")

    assert reply["error"]["code"] == ErrorCode.SERVICE_UNAVAILABLE
    assert "allergies cannot be checked" in reply["error"]["message"]
    assert downstreams.log.of("menu") == []


@pytest.mark.parametrize("failure", ["unreachable", "internal error"])
async def test_without_order_history_recommendations_come_from_profile_and_menu(tmp_path: Path, failure: str) -> None:
    unreachable = failure == "unreachable"
    with (
        serve_downstreams(
            order_down=unreachable, order_fails_with=None if unreachable else ErrorCode.INTERNAL
        ) as downstreams,
        serve_recommendations(downstreams, f"sqlite:///{tmp_path / 'r.db'}") as app,
    ):
        result = await recommend(app.url, "ada@example.com", context="tonight")

    based_on = result["based_on"]
    assert based_on["order_history_available"] is False
    assert based_on["orders_considered"] == 0
    assert "Order history was not used" in based_on["notes"][0]
    assert [i["category"] for i in result["items"]] == ["mains"] * 5
    _assert_safe_for("ada@example.com", result["items"])
    assert not any("order" in i["reason"] for i in result["items"])


async def test_the_tool_is_listed_as_an_identity_bound_uncached_read(served: Served) -> None:
    async with httpx.AsyncClient(base_url=served.url) as http:
        listing = (await http.get("/mcp/tools")).json()

    (tool,) = listing["tools"]
    assert listing["service"] == "recommendations"
    assert (tool["name"], tool["identity_args"], tool["writes"], tool["cache_ttl_s"]) == (
        "recommend",
        ["email"],
        False,
        0,
    )
    assert len(tool["examples"]) >= 5
    properties = tool["output_schema"]["$defs"]["RecommendedItem"]["properties"]
    assert all(properties[f].get("description") for f in ("item_id", "reason", "score", "price_cents"))


def test_settings_read_the_recommendations_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECOMMENDATIONS_MENU_URL", "http://menu.internal:9000")
    monkeypatch.setenv("RECOMMENDATIONS_DATABASE_URL", "postgresql://db/recs")
    monkeypatch.setenv("RECOMMENDATIONS_VARIETY_WINDOW_HOURS", "2")

    settings = Settings(_env_file=None)

    assert settings.menu_url == "http://menu.internal:9000"
    assert settings.database_url == "postgresql://db/recs"
    assert settings.variety_window_hours == 2
    assert (settings.port, settings.seed_demo) == (8107, True)
    assert (settings.order_url, settings.customer_profile_url) == ("http://127.0.0.1:8105", "http://127.0.0.1:8104")


def test_settings_reject_a_negative_variety_window() -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, variety_window_hours=-1)
