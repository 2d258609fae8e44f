"""Two orchestrator processes of one deployment sharing a real Redis, then the Firestore emulator.

Real services and orchestrators as processes on loopback: an answer cached by one instance is served
by the other, a write through one invalidates what the other serves (within the documented bound),
a conversation started on one continues on the other, and one user's entries never reach another.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import redis
from google.cloud import firestore

from mcp_devtools.emulators import FirestoreEmulator, RedisServer
from mcp_devtools.stack import DEFAULT_SERVICES, Stack, run_stack
from mcp_devtools.testing import free_port, free_ports

BOUND_S = 0.3  # ORCH_INVALIDATION_BOUND_S of both instances
SERVICES = ("menu", "customer_profile")


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data = tmp_path_factory.mktemp("shared-state")
    chosen = tuple(s for s in DEFAULT_SERVICES if s.name in SERVICES)
    env = {f"{s.env_prefix}DATABASE_URL": f"sqlite+aiosqlite:///{data / s.name}.db" for s in chosen}
    ports = free_ports(s.name for s in chosen)
    with run_stack(services=chosen, ports=ports, env=env, log_dir=data, orchestrator=False) as running:
        yield running


@dataclass
class Pair:
    backend: str
    a: str
    b: str
    redis: RedisServer | None = None
    prefix: str = ""


@pytest.fixture(scope="module", params=["redis", "firestore"])
def pair(request: pytest.FixtureRequest, services: Stack) -> Iterator[Pair]:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    env = {
        "ORCH_STATE_BACKEND": request.param,
        "ORCH_STATE_PREFIX": prefix,
        "ORCH_INVALIDATION_BOUND_S": str(BOUND_S),
        "ORCH_CATALOG_REFRESH_S": "3600",
    }
    server: RedisServer | None = None
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")
        env["ORCH_REDIS_URL"] = server.url
    else:
        emulator: FirestoreEmulator = request.getfixturevalue("firestore_emulator")
        env |= {"FIRESTORE_EMULATOR_HOST": emulator.host, "ORCH_FIRESTORE_PROJECT": f"p-{prefix}"}
    names = [f"orchestrator-{request.param}-{side}" for side in "ab"]
    urls = [services.start_orchestrator(name, free_port(), env) for name in names]
    try:
        yield Pair(request.param, urls[0], urls[1], server, prefix)
    finally:
        for name in names:
            services.terminate(name)


def ask(url: str, question: str, email: str = "ada@example.com") -> dict[str, Any]:
    response = httpx.post(f"{url}/query", json={"query": question, "email": email}, timeout=30)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "error" not in body, body
    return body


def say(url: str, message: str, email: str, session_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"channel": "web", "message": message, "user": {"email": email}}
    if session_id:
        body["session_id"] = session_id
    response = httpx.post(f"{url}/orchestrate", json=body, timeout=30)
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    assert "error" not in reply, reply
    return reply


def test_an_answer_cached_by_one_instance_is_served_by_the_other(pair: Pair) -> None:
    question = "what allergies are on my profile?"
    first = ask(pair.a, question, "linus@example.com")
    assert first["cached"] is False and "shellfish" in first["answer"]
    second = ask(pair.b, question, "linus@example.com")
    assert second["cached"] is True and second["cache_layer"] == "shared"
    assert second["answer"] == first["answer"]
    third = ask(pair.b, question, "linus@example.com")
    assert third["cache_layer"] == "memory"


def test_one_users_entries_never_reach_another_user(pair: Pair) -> None:
    question = "what are my favourite cuisines?"
    ada = ask(pair.a, question, "ada@example.com")
    grace = ask(pair.b, question, "grace@example.com")
    assert grace["cached"] is False
    assert ada["answer"] != grace["answer"]
    assert "indian" in ada["answer"].lower() and "indian" not in grace["answer"].lower()


# Each backend's run changes a different user (the services are shared by both runs).
WRITER = {"redis": "katherine@example.com", "firestore": "barbara@example.com"}


def test_a_write_through_one_instance_invalidates_what_the_other_serves(pair: Pair) -> None:
    email = WRITER[pair.backend]
    question = "what allergies are on my profile?"
    before = ask(pair.a, question, email)
    assert "sesame" not in before["answer"]
    assert ask(pair.b, question, email)["cached"] is True  # B serves A's answer from L1, then its memory
    profile_on_b = say(pair.b, "show my profile", email)
    assert "sesame" not in profile_on_b["data"]["allergens"]

    proposed = say(pair.a, "I'm allergic to sesame", email)
    assert proposed["intent"] == "update_preferences"  # a profile change is asked first…
    updated = say(pair.a, "yes", email, proposed["session_id"])  # …and made on the yes
    assert updated["intent"] == "confirm" and "sesame" in updated["data"]["allergens"]
    time.sleep(BOUND_S + 0.2)

    profile_after = say(pair.b, "show my profile", email)
    assert "sesame" in profile_after["data"]["allergens"]
    assert not any(span["cached"] for span in profile_after["trace"]["spans"])
    after = ask(pair.b, question, email)
    assert after["cached"] is False and "sesame" in after["answer"]


def test_a_conversation_started_on_one_instance_continues_on_the_other(pair: Pair) -> None:
    email = "ada@example.com"
    shown = say(pair.a, "show me vegetarian mains under 15", email)
    first = shown["data"]["items"][0]
    session = shown["session_id"]
    added = say(pair.b, "add two of the first one", email, session)
    assert added["session_id"] == session
    assert added["data"]["lines"][0]["item_id"] == first["item_id"]
    assert added["data"]["lines"][0]["quantity"] == 2
    cart = say(pair.a, "what's in my cart?", email, session)
    assert first["name"] in cart["reply"]

    # The same session id sent by another user opens their own, empty session.
    intruder = say(pair.b, "what's in my cart?", "grace@example.com", session)
    assert first["name"] not in intruder["reply"]


def test_shared_keys_name_no_email(pair: Pair, request: pytest.FixtureRequest) -> None:
    namespaces = {"answer", "generation", "session", "tool"}
    if pair.redis is not None:
        client = redis.Redis.from_url(pair.redis.url)
        keys = [key.decode() for key in client.scan_iter(f"{pair.prefix}:*")]
        client.close()
        assert {key.split(":")[1] for key in keys} >= namespaces
    else:
        emulator: FirestoreEmulator = request.getfixturevalue("firestore_emulator")
        monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
        monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", emulator.host)
        db = firestore.Client(project=f"p-{pair.prefix}")
        keys = [doc.id for ns in namespaces for doc in db.collection(f"{pair.prefix}_{ns}").stream()]
        db.close()  # type: ignore[no-untyped-call]
        assert all(len(key) == 64 for key in keys)
    assert len(keys) >= len(namespaces), "the instances wrote nothing to the shared store"
    assert not [key for key in keys if "@" in key or "example" in key]
