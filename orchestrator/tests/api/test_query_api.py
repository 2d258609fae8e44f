"""POST /query and GET /health over real HTTP, with both services served on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chargebee_service.app import create_app as billing_app
from chargebee_service.settings import Settings as BillingSettings
from hubspot_service.app import create_app as crm_app
from hubspot_service.settings import Settings as CrmSettings
from mcp_devtools.testing import serve
from orchestrator.app import create_app
from orchestrator.settings import Settings


@pytest.fixture(scope="module")
def services() -> Iterator[dict[str, str]]:
    with serve(billing_app(BillingSettings())) as billing, serve(crm_app(CrmSettings())) as crm:
        yield {"chargebee": billing, "hubspot": crm}


@pytest.fixture
def orchestrator(services: dict[str, str], tmp_path: Path) -> Iterator[str]:
    settings = Settings(services=services, state_path=str(tmp_path / "state.sqlite3"))
    with serve(create_app(settings)) as url:
        yield url


def ask(url: str, query: str, email: str = "ada@example.com") -> dict[str, object]:
    response = httpx.post(f"{url}/query", json={"query": query, "email": email}, timeout=10)
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


def test_a_question_is_answered_with_sources_confidence_and_trace(orchestrator: str) -> None:
    body = ask(orchestrator, "what plan am I on and do I have open tickets?")
    answer = str(body["answer"])
    assert "pro-monthly" in answer and "HIGH priority" in answer
    assert "[source: chargebee.get_subscription]" in answer and "[source: hubspot.list_tickets]" in answer
    assert [(s["service"], s["tool"], s["status"]) for s in body["sources"]] == [  # type: ignore[attr-defined]
        ("chargebee", "get_subscription", "ok"),
        ("hubspot", "list_tickets", "ok"),
    ]
    assert body["cached"] is False and body["cache_layer"] is None
    assert 0.5 < float(body["confidence"]) <= 1.0  # type: ignore[arg-type]
    assert len(str(body["trace_id"])) == 32 and str(body["timestamp"]).endswith("Z")


def test_the_personas_get_their_own_facts(orchestrator: str) -> None:
    grace = str(ask(orchestrator, "when does my trial end?", "grace@example.com")["answer"])
    linus = str(ask(orchestrator, "do I have unpaid invoices?", "linus@example.com")["answer"])
    assert "trial" in grace and "Grace" not in linus
    assert "no unpaid invoices" in linus


def test_a_second_identical_question_is_served_from_the_memory_cache(orchestrator: str) -> None:
    first = ask(orchestrator, "Do I have unpaid invoices?")
    second = ask(orchestrator, "do i have unpaid invoices")
    assert first["cached"] is False
    assert second["cached"] is True and second["cache_layer"] == "memory"
    assert all(source["cached"] for source in second["sources"])  # type: ignore[attr-defined]
    assert second["answer"] == first["answer"] and second["trace_id"] != first["trace_id"]


def test_a_cached_answer_is_never_served_to_another_user(orchestrator: str) -> None:
    ada = ask(orchestrator, "what plan am I on?")
    grace = ask(orchestrator, "what plan am I on?", "grace@example.com")
    assert grace["cached"] is False
    assert grace["answer"] != ada["answer"] and "trial" in str(grace["answer"]) and "GBP" not in str(grace["answer"])


def test_the_shared_cache_answers_after_a_restart(services: dict[str, str], tmp_path: Path) -> None:
    settings = Settings(services=services, state_path=str(tmp_path / "state.sqlite3"))
    with serve(create_app(settings)) as url:
        ask(url, "show my sales pipeline")
    with serve(create_app(settings)) as url:
        again = ask(url, "show my sales pipeline")
    assert again["cached"] is True and again["cache_layer"] == "shared"


def test_an_unknown_email_gets_a_clear_not_found_and_nobody_elses_data(orchestrator: str) -> None:
    body = ask(orchestrator, "what plan am I on?", "nobody@example.com")
    answer = str(body["answer"])
    assert "has no record for you" in answer and "pro-monthly" not in answer
    assert body["sources"][0]["error"]["code"] == "NOT_FOUND"  # type: ignore[index]
    assert body["confidence"] == 0.0 and body["cached"] is False


@pytest.mark.parametrize(
    "payload",
    [{"query": "", "email": "ada@example.com"}, {"query": "x" * 2001, "email": "ada@example.com"},
     {"query": "hi", "email": "not-an-email"}, {"query": "hi"}, {"query": "   ", "email": "ada@example.com"}],
)  # fmt: skip
def test_bad_input_is_an_invalid_request_error_with_status_200(orchestrator: str, payload: dict[str, str]) -> None:
    response = httpx.post(f"{orchestrator}/query", json=payload)
    body = response.json()
    assert response.status_code == 200
    assert body["error"]["code"] == "INVALID_REQUEST" and body["error"]["retryable"] is False
    assert len(body["trace_id"]) == 32 and "timestamp" in body


def test_errors_can_use_http_statuses_when_configured(services: dict[str, str], tmp_path: Path) -> None:
    settings = Settings(services=services, state_backend="memory", errors_as_http_status=True)
    with serve(create_app(settings)) as url:
        response = httpx.post(f"{url}/query", json={"query": "", "email": "ada@example.com"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "INVALID_REQUEST"


def test_a_bad_field_is_named_once(orchestrator: str) -> None:
    body = httpx.post(f"{orchestrator}/query", json={"query": "", "email": "ada@example.com"}).json()
    assert body["error"]["message"] == "query: String should have at least 1 character"
    turn = {"channel": "web", "message": "", "user": {"email": "ada@example.com"}}
    message = httpx.post(f"{orchestrator}/orchestrate", json=turn).json()["error"]["message"]
    assert message.count("message:") == 1, message


def test_the_trace_id_of_an_incoming_traceparent_is_kept(orchestrator: str) -> None:
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = httpx.post(
        f"{orchestrator}/query",
        json={"query": "who is my account owner?", "email": "ada@example.com"},
        headers={"traceparent": f"00-{trace}-00f067aa0ba902b7-01"},
    )
    assert response.json()["trace_id"] == trace and response.headers["x-trace-id"] == trace


def test_health_reports_itself_and_each_service(orchestrator: str) -> None:
    body = httpx.get(f"{orchestrator}/health").json()
    assert body["status"] == "ok" and body["tools"] == 6
    assert {name: s["status"] for name, s in body["services"].items()} == {"chargebee": "ok", "hubspot": "ok"}


def test_openapi_documents_query_and_health(orchestrator: str) -> None:
    spec = httpx.get(f"{orchestrator}/openapi.json").json()
    assert {"/query", "/health"} <= set(spec["paths"])
    assert "QueryResponse" in spec["components"]["schemas"] and "ErrorResponse" in spec["components"]["schemas"]
