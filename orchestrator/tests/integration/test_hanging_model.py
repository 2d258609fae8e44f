"""A model endpoint that accepts calls and never answers, behind a real orchestrator and real services.

Every `/query` and `/orchestrate` is answered within its time budget + 0.5 s: the model call is cut at
its share of the budget, the rules plan (or read the intent) and the templates write the answer, and
the trace names the fallback and the stage the budget cut short. Once the model's circuit opens, no
time is spent on it at all.
"""

from __future__ import annotations

import os
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from mcp_devtools.stack import DEFAULT_SERVICES, Stack, run_stack
from mcp_devtools.testing import free_port, free_ports

BUDGET_S = float(os.environ.get("HANGING_MODEL_BUDGET_S", "3"))  # 10 (the default budget) for the docs' figures
USERS = ("ada@example.com", "grace@example.com", "linus@example.com")  # the demo billing customers


class HangingEndpoint:
    """A loopback TCP server that reads what it is sent and never answers (closed at the end)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.accepted += 1
            self._held.append(conn)  # read nothing back, answer nothing: the client waits

    def close(self) -> None:
        self.server.close()
        for conn in self._held:
            conn.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, HangingEndpoint]]:
    model = HangingEndpoint()
    try:
        ports = free_ports(svc.name for svc in DEFAULT_SERVICES)
        log_dir = tmp_path_factory.mktemp("hanging-model")
        with run_stack(ports=ports, log_dir=log_dir, orchestrator=False) as running:
            yield running, model
    finally:
        model.close()


def _start(stack: Stack, model: HangingEndpoint, name: str, **env: str) -> str:
    settings = {
        "ORCH_LLM": "openai:gemma-test",
        "ORCH_OPENAI_BASE_URL": f"http://127.0.0.1:{model.port}/v1",
        "ORCH_BUDGET_QUERY_S": str(BUDGET_S),
        "ORCH_BUDGET_MESSAGE_S": str(BUDGET_S),
        "ORCH_ANSWER_TTL_S": "0",
        **env,
    }
    return stack.start_orchestrator(name, free_port(), settings)


def _query(client: httpx.Client, url: str, n: int) -> tuple[float, dict[str, Any]]:
    start = time.monotonic()
    reply = client.post(f"{url}/query", json={"query": "what plan am I on?", "email": USERS[n % 3]})
    return time.monotonic() - start, reply.json()


def _turn(client: httpx.Client, url: str, n: int) -> tuple[float, dict[str, Any]]:
    start = time.monotonic()
    body = {"message": "show me the menu", "user": {"email": USERS[n % 3]}, "channel": "web"}
    reply = client.post(f"{url}/orchestrate", json=body)
    return time.monotonic() - start, reply.json()


def test_questions_and_turns_are_answered_within_the_budget_with_the_fallback_named(
    stack: tuple[Stack, HangingEndpoint],
) -> None:
    running, model = stack
    url = _start(running, model, "orchestrator-hanging", ORCH_LLM_BREAKER_FAILURES="1000")
    try:
        with httpx.Client(timeout=30) as client, ThreadPoolExecutor(20) as pool:
            queries = pool.map(lambda n: _query(client, url, n), range(10))
            turns = pool.map(lambda n: _turn(client, url, n), range(10))
            answered = list(queries), list(turns)
    finally:
        running.terminate("orchestrator-hanging")
    questions, messages = answered
    assert model.accepted >= 20, "every request called the model"
    for took, reply in questions:
        assert took <= BUDGET_S + 0.5, took
        assert reply["answer"] and [s["status"] for s in reply["sources"]] == ["ok"], reply
        trace = reply["trace"]
        assert (trace["planner"], trace["synthesizer"]) == ("rules", "templates"), trace
        assert trace["fallbacks"][0] == "plan: LLM_UNAVAILABLE, rules planner used", trace
        assert trace["budget"]["cut"][0] == "plan" and trace["budget"]["budget_ms"] == BUDGET_S * 1000, trace
    for took, reply in messages:
        assert took <= BUDGET_S + 0.5, took
        assert reply["intent"] == "browse_menu" and reply["reply"], reply
        trace = reply["trace"]
        assert trace["intent_source"] == "rules (fallback: LLM_UNAVAILABLE)", trace
        assert trace["budget"]["cut"] == ["intent"], trace
    print(
        f"\nhanging model, budget {BUDGET_S:g} s: /query max {max(t for t, _ in questions):.2f} s, "
        f"/orchestrate max {max(t for t, _ in messages):.2f} s"
    )


def test_once_the_models_circuit_opens_no_time_is_spent_on_it(stack: tuple[Stack, HangingEndpoint]) -> None:
    running, model = stack
    url = _start(running, model, "orchestrator-hanging-breaker", ORCH_LLM_BREAKER_FAILURES="2")
    try:
        with httpx.Client(timeout=30) as client:
            for n in range(2):  # two failed model calls (plan, synthesize) open the circuit
                took, _ = _query(client, url, n)
                assert took <= BUDGET_S + 0.5
            fast = [_query(client, url, n) for n in range(2, 12)]
            health = client.get(f"{url}/health").json()
    finally:
        running.terminate("orchestrator-hanging-breaker")
    assert health["llm"]["circuit"] == "open", health
    for _, reply in fast:
        assert [c["status"] for c in reply["trace"]["llm_calls"]] == ["skipped", "skipped"], reply["trace"]
    p50 = statistics.median(t for t, _ in fast)
    assert p50 <= 0.25, p50
    print(f"\nmodel circuit open: /query p50 {p50 * 1000:.0f} ms")
