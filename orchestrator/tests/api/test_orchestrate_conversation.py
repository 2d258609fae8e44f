"""The documented conversation over real processes: five food services, the orchestrator, HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from mcp_common.assertions import caller_signer
from mcp_devtools.stack import DEFAULT_SERVICES, Stack, run_stack
from mcp_devtools.testing import free_ports

FOOD = ("menu", "customer_profile", "order", "tracking", "recommendations")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data = tmp_path_factory.mktemp("food")
    services = tuple(s for s in DEFAULT_SERVICES if s.name in FOOD)
    env = {
        "ORCH_STATE_PATH": str(data / "state.sqlite3"),
        "ORCH_CATALOG_REFRESH_S": "3600",
        **{f"{s.env_prefix}DATABASE_URL": f"sqlite+aiosqlite:///{data / s.name}.db" for s in services},
    }
    ports = free_ports([*(s.name for s in services), "orchestrator"])
    with run_stack(
        services=services, ports=ports, orchestrator_port=ports["orchestrator"], env=env, log_dir=data
    ) as running:
        yield running


class Chat:
    """One user's conversation with the orchestrator."""

    def __init__(self, stack: Stack, email: str = "ada@example.com", session_id: str | None = None) -> None:
        self.url = f"{stack.urls['orchestrator']}/orchestrate"
        self.email = email
        self.session_id = session_id

    def say(self, message: str) -> dict[str, Any]:
        body: dict[str, Any] = {"channel": "web", "message": message, "user": {"email": self.email}}
        if self.session_id:
            body["session_id"] = self.session_id
        response = httpx.post(self.url, json=body, timeout=30)
        assert response.status_code == 200, response.text
        reply: dict[str, Any] = response.json()
        assert "error" not in reply, reply
        self.session_id = reply["session_id"]
        return reply


def signed(stack: Stack, audience: str, email: str) -> dict[str, str]:
    """The caller assertion the orchestrator would send, with the stack's key (the stack runs with keys on)."""
    keys = {kid: SecretStr(secret) for kid, secret in json.loads(stack.caller_keys["ORCH_CALLER_KEYS"]).items()}
    signer = caller_signer(keys, stack.caller_keys["ORCH_CALLER_KEY_ID"], issuer="test")
    assert signer is not None
    return signer.headers(audience, email, "default")


def order_count(stack: Stack, email: str = "ada@example.com") -> int:
    response = httpx.post(
        f"{stack.urls['order']}/mcp/call",
        json={"tool": "list_orders", "arguments": {"email": email, "limit": 1}, "context": {"caller": email}},
        headers=signed(stack, "order", email),
        timeout=10,
    )
    count: int = response.json()["result"]["total_count"]
    return count


def test_the_documented_conversation(stack: Stack) -> None:
    chat = Chat(stack)
    before = order_count(stack)

    shown = chat.say("show me vegetarian mains under 15")
    items = shown["data"]["items"]
    assert shown["intent"] == "browse_menu" and items
    assert all("vegetarian" in i["dietary_tags"] and i["category"] == "mains" for i in items)
    assert all(i["price_cents"] <= 1500 for i in items)
    lines = shown["reply"].splitlines()
    for n, item in enumerate(items, start=1):  # one numbered line per dish, as "the first one" refers to
        assert any(line.startswith(f"{n}. {item['name']} — £") for line in lines), shown["reply"]
    assert {s["tool"] for s in shown["trace"]["spans"]} >= {"search_menu"}

    added = chat.say("add two of the first one")
    assert added["intent"] == "add_to_cart"
    assert added["data"]["lines"] == [
        {"item_id": items[0]["item_id"], "name": items[0]["name"], "quantity": 2,
         "unit_price_cents": items[0]["price_cents"], "notes": None}
    ]  # fmt: skip

    address = chat.say("deliver to my work address")
    assert address["intent"] == "choose_address" and address["data"]["address"]["address_id"] == "addr-ada-work"

    summary = chat.say("checkout")
    assert summary["intent"] == "checkout"
    quote = summary["data"]
    assert f"2 × {items[0]['name']}" in summary["reply"] and "work" in summary["reply"]
    assert f"£{quote['total_cents'] / 100:,.2f}" in summary["reply"] and "yes" in summary["reply"].lower()
    assert quote["total_cents"] == 2 * items[0]["price_cents"] + quote["delivery_fee_cents"]
    assert order_count(stack) == before  # nothing placed without a yes

    placed = chat.say("yes")
    order = placed["data"]
    assert placed["intent"] == "confirm" and order["status"] == "placed"
    assert order["order_id"] in placed["reply"] and order["total_cents"] == quote["total_cents"]
    assert order["delivery_address"]["address_id"] == "addr-ada-work"
    assert order_count(stack) == before + 1

    again = chat.say("yes")
    assert order["order_id"] in again["reply"] and "already" in again["reply"]
    assert order_count(stack) == before + 1

    tracking = chat.say("where is my order?")
    assert tracking["intent"] == "track_order" and tracking["data"]["order_id"] == order["order_id"]
    assert [step["status"] for step in tracking["data"]["timeline"]][:2] == ["placed", "confirmed"]
    assert "Timeline" in tracking["reply"]

    picks = chat.say("what would you recommend for tonight?")
    assert picks["intent"] == "recommend" and picks["data"]["items"]
    for item in picks["data"]["items"]:
        assert "peanuts" not in item["allergens"] and "vegetarian" in item["dietary_tags"] and item["reason"]

    trace = picks["trace"]
    assert trace["session_id"] == chat.session_id and len(trace["trace_id"]) == 32
    assert trace["intent_source"] == "rules" and trace["llm_calls"] == []  # no model configured: the rules decide


def test_a_new_order_shows_in_the_history_at_once(stack: Stack) -> None:
    chat = Chat(stack, "grace@example.com")
    first = chat.say("show my past orders")
    chat.say("show me the menu")
    chat.say("add the first one")
    chat.say("checkout")
    placed = chat.say("yes")["data"]
    history = chat.say("show my past orders")
    assert history["data"]["orders"][0]["order_id"] == placed["order_id"]
    assert history["data"]["total_count"] == first["data"]["total_count"] + 1
    assert not any(s["cached"] for s in history["trace"]["spans"])


def test_a_doubled_confirmation_places_one_order(stack: Stack) -> None:
    chat = Chat(stack, "linus@example.com")
    chat.say("show me the menu")
    chat.say("add the second one")
    chat.say("checkout")
    before = order_count(stack, "linus@example.com")
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda _: Chat(stack, "linus@example.com", chat.session_id).say("yes"), range(4)))
    ids = {r["data"].get("order_id") or r["data"].get("result_id") for r in replies}
    assert len(ids) == 1 and None not in ids
    assert order_count(stack, "linus@example.com") == before + 1


def test_nothing_is_placed_or_cancelled_without_a_yes(stack: Stack) -> None:
    chat = Chat(stack, "alan@example.com")
    chat.say("show me the menu")
    chat.say("add the first one")
    before = order_count(stack, "alan@example.com")
    chat.say("checkout")
    declined = chat.say("no")
    assert declined["intent"] == "decline" and order_count(stack, "alan@example.com") == before
    assert chat.say("yes")["intent"] == "confirm" and order_count(stack, "alan@example.com") == before
    chat.say("checkout")
    order = chat.say("yes")["data"]
    proposal = chat.say("cancel my order")
    assert proposal["intent"] == "cancel_order" and order["order_id"] in proposal["reply"]
    assert chat.say("where is my order?")["data"]["status"] != "cancelled"
    chat.say("cancel my order")
    cancelled = chat.say("yes")
    assert cancelled["data"]["status"] == "cancelled"


def test_another_user_cannot_use_a_session_or_an_order_id(stack: Stack) -> None:
    ada = Chat(stack)
    ada.say("show me vegetarian mains under 15")
    ada.say("add the first one")
    ada.say("checkout")
    order_id = ada.say("yes")["data"]["order_id"]

    intruder = Chat(stack, "grace@example.com", ada.session_id)
    cart = intruder.say("what's in my cart?")
    assert cart["data"]["lines"] == []
    assert intruder.say("yes")["intent"] == "confirm"  # nothing pending in grace's own session
    tracked = intruder.say(f"track {order_id}")
    assert tracked["data"] is None and order_id not in json.dumps(tracked["data"])
    assert "could not find" in tracked["reply"].lower()
    cancel = intruder.say(f"cancel order {order_id}")
    assert cancel["data"] is None
    assert Chat(stack, session_id=ada.session_id).say("where is my order?")["data"]["status"] != "cancelled"


def test_invalid_requests_are_clear_errors(stack: Stack) -> None:
    url = f"{stack.urls['orchestrator']}/orchestrate"
    bad = httpx.post(url, json={"channel": "web", "message": "", "user": {"email": "ada@example.com"}}, timeout=10)
    assert bad.status_code == 200 and bad.json()["error"]["code"] == "INVALID_REQUEST"
    bad = httpx.post(url, json={"channel": "web", "message": "hi", "user": {"email": "nope"}}, timeout=10)
    assert bad.json()["error"]["code"] == "INVALID_REQUEST" and "email" in bad.json()["error"]["message"]
    bad = httpx.post(
        url, json={"channel": "web", "message": "hi", "user": {"email": "ada@example.com"}, "session_id": "a b"},
        timeout=10,
    )  # fmt: skip
    assert bad.json()["error"]["code"] == "INVALID_REQUEST"


def test_query_answers_food_questions_in_sentences_and_never_writes(stack: Stack) -> None:
    def ask(question: str) -> dict[str, Any]:
        body = {"query": question, "email": "ada@example.com"}
        reply: dict[str, Any] = httpx.post(f"{stack.urls['orchestrator']}/query", json=body, timeout=30).json()
        return reply

    history = ask("what did I order last time?")
    assert "You have placed" in history["answer"] and "[source: order.list_orders]" in history["answer"]
    picks = ask("what would you recommend?")
    assert "Recommended for you (vegetarian, without peanuts)" in picks["answer"]
    profile = ask("what are my allergies and delivery addresses?")
    assert "allergies peanuts" in profile["answer"] and "work: 40 Babbage Road" in profile["answer"]
    before = order_count(stack)
    for question in ("cancel my order", "place an order for two margherita pizzas", "order the same again"):
        answer = ask(question)
        assert not any(s["tool"] in ("create_order", "cancel_order") for s in answer.get("sources", [])), answer
    assert order_count(stack) == before


def test_a_preference_change_is_seen_at_once_not_served_from_cache(stack: Stack) -> None:
    chat = Chat(stack, "katherine@example.com")
    first = chat.say("show my profile")
    assert "sesame" not in first["data"]["allergens"]
    again = chat.say("show my profile")
    assert all(s["cached"] for s in again["trace"]["spans"])  # the profile is cached per user…
    proposed = chat.say("I'm allergic to sesame")
    assert proposed["intent"] == "update_preferences" and proposed["data"] == {
        "proposed": {"add_allergens": ["sesame"]}
    }
    assert "yes" in proposed["reply"].lower()
    unchanged = chat.say("show my profile")  # asking first: nothing is written before the yes…
    assert "sesame" not in unchanged["data"]["allergens"]
    assert all(s["cached"] for s in unchanged["trace"]["spans"])
    proposed = chat.say("I'm allergic to sesame")
    updated = chat.say("yes")  # …and the yes writes it
    assert updated["intent"] == "confirm" and "sesame" in updated["data"]["allergens"]
    after = chat.say("show my profile")
    assert "sesame" in after["data"]["allergens"] and "sesame" in after["reply"]
    assert not any(s["cached"] for s in after["trace"]["spans"])  # …until the user's own write
    picks = chat.say("what would you recommend?")
    assert all("sesame" not in item["allergens"] for item in picks["data"]["items"])


def test_a_question_naming_an_allergy_answers_it_and_never_changes_the_profile(stack: Stack) -> None:
    chat = Chat(stack, "grace@example.com")
    before = chat.say("show my profile")["data"]
    answer = chat.say("I'm allergic to nuts, what can I eat?")
    assert answer["intent"] in ("browse_menu", "recommend") and answer["data"]["items"]
    assert all({"tree-nuts", "peanuts"}.isdisjoint(item["allergens"]) for item in answer["data"]["items"])
    assert chat.say("yes")["intent"] == "confirm"  # nothing was proposed: the yes finds nothing to do
    asked = chat.say("am I registered as allergic to peanuts?")
    assert asked["intent"] == "show_profile"
    after = chat.say("show my profile")["data"]
    assert after["allergens"] == before["allergens"] and after["dietary_preferences"] == before["dietary_preferences"]


def test_a_preference_change_asks_first_and_no_leaves_the_profile(stack: Stack) -> None:
    chat = Chat(stack, "grace@example.com")
    before = chat.say("show my profile")["data"]
    proposed = chat.say("please note I can't eat shellfish")
    assert proposed["intent"] == "update_preferences" and "shellfish" in proposed["reply"]
    declined = chat.say("no")
    assert declined["intent"] == "decline" and "left your profile" in declined["reply"]
    assert chat.say("show my profile")["data"]["allergens"] == before["allergens"]
    chat.say("please note I can't eat shellfish")
    saved = chat.say("yep")
    assert saved["intent"] == "confirm" and "shellfish" in saved["data"]["allergens"]
