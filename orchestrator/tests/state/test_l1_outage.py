"""The shared store (L1) stopped mid-run: every question is still answered, and L1 comes back.

A real redis-server and the Firestore emulator, each stopped under load and started again on the
same port, behind a real orchestrator process and a real service.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import pytest

from mcp_devtools import emulators
from mcp_devtools.stack import DEFAULT_SERVICES, Stack, run_stack
from mcp_devtools.testing import free_port

QUESTIONS = ("what plan am I on?", "what invoices do I have?", "what is my billing address?")
USERS = ("ada@example.com", "grace@example.com", "linus@example.com")


class Restartable(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


@pytest.fixture(scope="module")
def chargebee(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    services = tuple(s for s in DEFAULT_SERVICES if s.name == "chargebee")
    with run_stack(
        services=services,
        ports={"chargebee": free_port()},
        log_dir=tmp_path_factory.mktemp("l1-outage"),
        orchestrator=False,
    ) as running:
        yield running


@dataclass
class Load:
    """Questions sent one after another from a thread, each outcome kept with its time."""

    url: str
    outcomes: list[tuple[float, int, dict[str, Any]]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(timeout=15) as client:
            n = 0
            while not self._stop.is_set():
                body = {"query": QUESTIONS[n % 3], "email": USERS[(n // 3) % 3]}
                response = client.post(f"{self.url}/query", json=body)
                self.outcomes.append((time.monotonic(), response.status_code, response.json()))
                n += 1

    def stop(self) -> None:
        self._stop.set()


def _store(backend: str) -> AbstractContextManager[Any]:
    if backend == "redis":
        return emulators.redis_server()
    return emulators.firestore_emulator()


@pytest.mark.parametrize("backend", ["redis", "firestore"])
def test_every_request_is_answered_while_l1_is_down_and_l1_comes_back(chargebee: Stack, backend: str) -> None:
    try:
        store_cm = _store(backend)
        store = store_cm.__enter__()
    except emulators.EmulatorUnavailableError as exc:
        variable = "REQUIRE_REDIS" if backend == "redis" else "REQUIRE_FIRESTORE"
        if os.environ.get(variable) == "1":
            pytest.fail(f"{variable}=1 but {exc}")
        pytest.skip(str(exc))
    try:
        env = {
            "ORCH_STATE_BACKEND": backend,
            "ORCH_STATE_PREFIX": f"o{uuid.uuid4().hex[:8]}",
            "ORCH_L1_TIMEOUT_S": "0.3",
            "ORCH_STATE_TIMEOUT_S": "0.5",
            "ORCH_L1_BREAKER_FAILURES": "3",
            "ORCH_L1_BREAKER_COOLDOWN_S": "0.5",
            "ORCH_ANSWER_TTL_S": "0.2",  # answers expire fast: the load keeps reaching L1 and the service
            "ORCH_CATALOG_REFRESH_S": "3600",
        }
        if backend == "redis":
            env["ORCH_REDIS_URL"] = store.url
        else:
            env |= {"FIRESTORE_EMULATOR_HOST": store.host, "ORCH_FIRESTORE_PROJECT": "outage"}
        name = f"orchestrator-outage-{backend}"
        url = chargebee.start_orchestrator(name, free_port(), env)
        try:
            _outage_under_load(url, store)
        finally:
            chargebee.terminate(name)
    finally:
        store_cm.__exit__(None, None, None)


def _outage_under_load(url: str, store: Restartable) -> None:
    load = Load(url)
    worker = threading.Thread(target=load.run)
    worker.start()
    try:
        time.sleep(1.0)
        down_at = time.monotonic()
        store.stop()
        time.sleep(2.0)
        health_down = httpx.get(f"{url}/health", timeout=10).json()
        conversation = httpx.post(
            f"{url}/orchestrate",
            json={"channel": "web", "message": "show me the menu", "user": {"email": "ada@example.com"}},
            timeout=15,
        )
        up_at = time.monotonic()
        store.start()
        health_up = _wait_for_l1(url)
    finally:
        load.stop()
        worker.join(30)

    answered = [(t, status, body) for t, status, body in load.outcomes]
    during = [body for t, _, body in answered if down_at <= t <= up_at]
    assert len(during) >= 5, f"only {len(during)} requests while L1 was down"
    for _, status, body in answered:
        assert status == 200 and "error" not in body and body["answer"], body
        assert {s["status"] for s in body["sources"]} == {"ok"}

    assert health_down["status"] == "degraded" and health_down["cache"]["l1"] in ("open", "half_open"), health_down[
        "cache"
    ]
    assert health_down["cache"]["counters"]["l1_errors"] >= 3
    assert health_down["cache"]["counters"]["l1_skipped"] > 0
    # A conversation needs its session: without L1 the turn is refused clearly, nothing half-saved.
    error = conversation.json()["error"]
    assert error["code"] == "SERVICE_UNAVAILABLE" and error["retryable"] is True

    assert health_up["cache"]["l1"] == "closed" and health_up["status"] == "ok"
    # Answers are cached again. They live 0.2 s here, so a loaded machine may need a few pairs
    # before the second request of a pair arrives while the first one's answer is still fresh.
    pairs = []
    for _ in range(10):
        fresh = httpx.post(f"{url}/query", json={"query": QUESTIONS[0], "email": USERS[0]}, timeout=15).json()
        again = httpx.post(f"{url}/query", json={"query": QUESTIONS[0], "email": USERS[0]}, timeout=15).json()
        pairs.append((fresh["answer"], again["cached"]))
        if again["cached"]:
            break
    assert all(answer for answer, _ in pairs) and pairs[-1][1] is True, pairs


def _wait_for_l1(url: str, within_s: float = 20.0) -> dict[str, Any]:
    """/health once the cache uses L1 again (the load keeps sending it trial calls)."""
    deadline = time.monotonic() + within_s
    while True:
        health: dict[str, Any] = httpx.get(f"{url}/health", timeout=10).json()
        if health["cache"]["l1"] == "closed" or time.monotonic() > deadline:
            return health
        time.sleep(0.2)
