"""POST /query with a real model adapter: the google-genai SDK (and the OpenAI-compatible client)
against loopback servers that speak the vendors' wire formats, the services on real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from llm_fakes import FakeReply, OpenAIFakeServer, VertexFakeServer, reply_status, reply_text

from chargebee_service.app import create_app as billing_app
from chargebee_service.settings import Settings as BillingSettings
from hubspot_service.app import create_app as crm_app
from hubspot_service.settings import Settings as CrmSettings
from mcp_devtools.testing import serve
from orchestrator.app import create_app
from orchestrator.settings import Settings

MODEL = "gemma-4-26b-a4b-it-maas"
PLAN = {"intent": "billing.plan", "steps": [{"tool": "chargebee.get_subscription", "arguments": {}}], "confidence": 0.9}
ANSWER = {
    "answer": "You are on Pro Monthly [source: chargebee.get_subscription]",
    "used_sources": ["chargebee.get_subscription"],
    "confidence": 0.85,
}


def model(payload: Any) -> FakeReply:
    """A model that plans and answers the subscription question, by which prompt it is sent."""
    text = json.dumps(payload)
    if "planning step" in text:
        return reply_text(json.dumps(PLAN), input_tokens=900, output_tokens=40)
    return reply_text(json.dumps(ANSWER), input_tokens=700, output_tokens=30)


@pytest.fixture(scope="module")
def services() -> Iterator[dict[str, str]]:
    with serve(billing_app(BillingSettings())) as billing, serve(crm_app(CrmSettings())) as crm:
        yield {"chargebee": billing, "hubspot": crm}


def vertex_settings(services: dict[str, str], tmp_path: Path, base_url: str, **extra: Any) -> Settings:
    return Settings(
        services=services,
        state_path=str(tmp_path / "state.sqlite3"),
        llm=f"vertex:{MODEL}",
        vertex_api_key="test-api-key",
        vertex_base_url=base_url,
        llm_retry_backoff_s=0.0,
        **extra,
    )


async def ask(url: str, question: str = "what plan am I on?", email: str = "ada@example.com") -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=20) as client:
        response = await client.post(f"{url}/query", json={"query": question, "email": email})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_gemma_on_vertex_plans_and_answers_through_the_sdk(services: dict[str, str], tmp_path: Path) -> None:
    async with VertexFakeServer(default=model) as vertex:
        with serve(create_app(vertex_settings(services, tmp_path, vertex.base_url))) as url:
            body = await ask(url)
    assert body["answer"] == ANSWER["answer"]
    trace = body["trace"]
    assert (trace["planner"], trace["synthesizer"], trace["fallbacks"]) == ("llm", "llm", [])
    calls = trace["llm_calls"]
    assert [(c["purpose"], c["status"], c["input_tokens"], c["output_tokens"]) for c in calls] == [
        ("plan", "ok", 900, 40),
        ("synthesize", "ok", 700, 30),
    ]
    assert all(c["model"] == f"vertex:{MODEL}" and c["latency_ms"] > 0 for c in calls)
    first = vertex.requests[0]
    assert first.path.endswith(f"/publishers/google/models/{MODEL}:generateContent")
    assert first.headers.get("x-goog-api-key") == "test-api-key"
    assert "systemInstruction" not in json.dumps(first.json), "Gemma gets its instructions in the user turn"


async def test_a_429_is_retried_and_the_attempts_are_in_the_trace(services: dict[str, str], tmp_path: Path) -> None:
    async with VertexFakeServer(default=model) as vertex:
        vertex.push(reply_status(429))
        with serve(create_app(vertex_settings(services, tmp_path, vertex.base_url))) as url:
            body = await ask(url)
    assert body["trace"]["fallbacks"] == []
    assert body["trace"]["llm_calls"][0]["attempts"] == 2
    assert len(vertex.requests) == 3


async def test_a_500_storm_opens_the_circuit_and_the_rules_answer(services: dict[str, str], tmp_path: Path) -> None:
    async with VertexFakeServer(default=reply_status(500)) as vertex:
        settings = vertex_settings(services, tmp_path, vertex.base_url, llm_retries=1, llm_breaker_failures=2)
        with serve(create_app(settings)) as url:
            first = await ask(url)
            reached = len(vertex.requests)
            later = [await ask(url, email=e) for e in ("grace@example.com", "linus@example.com")]
            async with httpx.AsyncClient() as client:
                health = (await client.get(f"{url}/health")).json()
    assert reached == 4, "plan and synthesis: two attempts each, then the circuit opens"
    assert len(vertex.requests) == reached, "no request reaches the model while the circuit is open"
    assert first["trace"]["fallbacks"] == [
        "plan: LLM_UNAVAILABLE, rules planner used",
        "synthesize: LLM_UNAVAILABLE, templates used",
    ]
    assert "Pro Monthly" in first["answer"], "the rules and templates still answer"
    for body in later:
        assert body["trace"]["planner"] == "rules" and body["sources"][0]["status"] == "ok"
        assert {c["status"] for c in body["trace"]["llm_calls"]} == {"skipped"}
    assert health["llm"] == {"model": f"vertex:{MODEL}", "circuit": "open"}
    assert health["status"] == "degraded"


async def test_malformed_json_is_repaired_then_the_rules_take_over(services: dict[str, str], tmp_path: Path) -> None:
    async with VertexFakeServer(default=model) as vertex:
        vertex.push(reply_text("Here is the plan: call the subscription tool"), reply_text("{'steps': oops"))
        with serve(create_app(vertex_settings(services, tmp_path, vertex.base_url))) as url:
            body = await ask(url)
    trace = body["trace"]
    assert [c["purpose"] for c in trace["llm_calls"]] == ["plan", "repair", "synthesize"]
    assert trace["planner"] == "rules" and trace["fallbacks"] == ["plan: LLM_BAD_OUTPUT, rules planner used"]
    assert body["sources"][0]["tool"] == "get_subscription"
    assert "could not be used" in vertex.requests[1].text, "the repair prompt says what was wrong"


async def test_an_openai_compatible_model_answers_too(services: dict[str, str], tmp_path: Path) -> None:
    async with OpenAIFakeServer(default=model) as server:
        settings = Settings(
            services=services,
            state_path=str(tmp_path / "state.sqlite3"),
            llm="openai:gemma3:27b",
            openai_base_url=server.base_url,
            openai_api_key="sk-test",
        )
        with serve(create_app(settings)) as url:
            body = await ask(url)
    assert body["answer"] == ANSWER["answer"]
    assert [c["model"] for c in body["trace"]["llm_calls"]] == ["openai:gemma3:27b"] * 2
    assert server.requests[0].headers["authorization"] == "Bearer sk-test"
    assert server.requests[0].json["model"] == "gemma3:27b"
