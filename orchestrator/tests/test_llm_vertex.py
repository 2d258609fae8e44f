"""VertexGemma through the real google-genai SDK against a loopback Vertex AI server, alone and in ResilientLLM."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import google.oauth2.credentials
import pytest
from llm_fakes import (
    ManualMonotonic,
    RecordedSleeps,
    VertexFakeServer,
    reply_body,
    reply_hang,
    reply_status,
    reply_text,
)

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.llm.base import LLMCall, LLMRequest, recording_calls
from orchestrator.llm.resilient import ResilientLLM
from orchestrator.llm.vertex import VertexGemma
from orchestrator.resilience.breaker import CircuitBreaker

# The SDK subclasses aiohttp.ClientSession for its connection pool, which aiohttp flags as discouraged.
pytestmark = pytest.mark.filterwarnings("ignore:Inheritance class AiohttpClientSession:DeprecationWarning")

GEMMA = "gemma-3-27b-it"
MODEL_PATH = f"/projects/p/locations/global/publishers/google/models/{GEMMA}:generateContent"
REQUEST = LLMRequest(system="You plan tool calls.", prompt="Which orders did ana@example.com place?", purpose="plan")

MakeAdapter = Callable[..., VertexGemma]


def bearer(token: str) -> google.oauth2.credentials.Credentials:
    """OAuth credentials holding a token that never expires, so the SDK sends it as is."""
    return google.oauth2.credentials.Credentials(token=token)  # type: ignore[no-untyped-call]


def state(breaker: CircuitBreaker) -> str:
    return breaker.state


@pytest.fixture
async def server() -> AsyncIterator[VertexFakeServer]:
    async with VertexFakeServer() as fake:
        yield fake


@pytest.fixture
async def adapter(server: VertexFakeServer) -> AsyncIterator[MakeAdapter]:
    """Builds adapters aimed at the fake server (ADC-style, with a fixed bearer token) and closes them after."""
    made: list[VertexGemma] = []

    def make(model: str = GEMMA, **options: Any) -> VertexGemma:
        options.setdefault("project", "p")
        options.setdefault("location", "global")
        if "api_key" not in options:
            options.setdefault("credentials", bearer("test-token"))
        llm = VertexGemma(model, base_url=server.base_url, **options)
        made.append(llm)
        return llm

    yield make
    for llm in made:
        await llm.aclose()


def resilient(
    inner: VertexGemma,
    *,
    breaker: CircuitBreaker | None = None,
    retries: int = 2,
    timeout_s: float = 5.0,
    sleep: RecordedSleeps | None = None,
) -> ResilientLLM:
    return ResilientLLM(
        inner,
        timeout_s=timeout_s,
        retries=retries,
        backoff_s=0.0,
        breaker=breaker or CircuitBreaker(failures=3, cooldown_s=30.0),
        sleep=sleep or RecordedSleeps(),
    )


async def test_a_gemma_call_names_project_location_and_model_and_sends_the_bearer_token(
    server: VertexFakeServer, adapter: MakeAdapter
) -> None:
    server.push(reply_text('{"steps": []}', input_tokens=42, output_tokens=7))
    llm = adapter()

    response = await llm.generate(REQUEST)

    (sent,) = server.requests
    assert sent.method == "POST"
    assert sent.path.startswith("/v1")
    assert sent.path.endswith(MODEL_PATH)
    assert sent.headers["authorization"] == "Bearer test-token"
    assert response.text == '{"steps": []}'
    assert response.model == f"vertex:{GEMMA}" == llm.name
    assert (response.usage.input_tokens, response.usage.output_tokens) == (42, 7)
    assert response.latency_ms > 0
    assert response.attempts == 1


async def test_a_gemma_call_puts_the_system_text_first_in_the_user_turn_without_json_mime_type(
    server: VertexFakeServer, adapter: MakeAdapter
) -> None:
    request = LLMRequest(
        system="SYSTEM TEXT", prompt="USER PROMPT", purpose="plan", max_output_tokens=256, temperature=0.2
    )

    await adapter().generate(request)

    body = server.requests[0].json
    assert "systemInstruction" not in body
    assert body["contents"] == [{"role": "user", "parts": [{"text": "SYSTEM TEXT\n\nUSER PROMPT"}]}]
    config = body["generationConfig"]
    assert config["maxOutputTokens"] == 256
    assert config["temperature"] == pytest.approx(0.2)
    assert "responseMimeType" not in config


async def test_a_gemini_call_sends_a_system_instruction_and_asks_for_json_when_json_output_is_wanted(
    server: VertexFakeServer, adapter: MakeAdapter
) -> None:
    llm = adapter("gemini-2.5-flash")

    await llm.generate(LLMRequest(system="SYSTEM TEXT", prompt="USER PROMPT", purpose="synthesize"))
    await llm.generate(LLMRequest(system="SYSTEM TEXT", prompt="USER PROMPT", purpose="synthesize", json_output=False))

    as_json, as_text = (sent.json for sent in server.requests)
    assert as_json["systemInstruction"]["parts"] == [{"text": "SYSTEM TEXT"}]
    assert as_json["contents"] == [{"role": "user", "parts": [{"text": "USER PROMPT"}]}]
    assert as_json["generationConfig"]["responseMimeType"] == "application/json"
    assert "responseMimeType" not in as_text["generationConfig"]
    assert server.requests[0].path.endswith("/publishers/google/models/gemini-2.5-flash:generateContent")


async def test_api_key_express_mode_sends_the_key_header_and_no_project_in_the_path(
    server: VertexFakeServer, adapter: MakeAdapter
) -> None:
    llm = adapter(api_key="express-key", project=None)

    await llm.generate(REQUEST)

    (sent,) = server.requests
    assert sent.headers["x-goog-api-key"] == "express-key"
    assert "authorization" not in sent.headers
    assert "/projects/" not in sent.path
    assert sent.path.endswith(f"/publishers/google/models/{GEMMA}:generateContent")


async def test_one_client_connection_serves_successive_calls(server: VertexFakeServer, adapter: MakeAdapter) -> None:
    llm = adapter()

    for _ in range(3):
        await llm.generate(REQUEST)

    assert len({sent.client_port for sent in server.requests}) == 1


async def test_aclose_drops_the_connection_and_a_later_call_opens_a_new_one(
    server: VertexFakeServer, adapter: MakeAdapter
) -> None:
    llm = adapter()
    await llm.generate(REQUEST)

    await llm.aclose()
    await llm.generate(REQUEST)

    first, second = (sent.client_port for sent in server.requests)
    assert first != second


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (429, ErrorCode.RATE_LIMITED),
        (500, ErrorCode.LLM_UNAVAILABLE),
        (503, ErrorCode.LLM_UNAVAILABLE),
        (401, ErrorCode.UNAUTHENTICATED),
        (403, ErrorCode.FORBIDDEN),
        (400, ErrorCode.INVALID_REQUEST),
        (404, ErrorCode.INVALID_REQUEST),
    ],
)
async def test_http_errors_become_service_errors_that_quote_neither_prompt_nor_token(
    server: VertexFakeServer, adapter: MakeAdapter, status: int, code: ErrorCode
) -> None:
    server.push(reply_status(status, {"error": {"code": status, "message": f"echo: {REQUEST.prompt}"}}))

    with pytest.raises(ServiceError) as caught:
        await adapter().generate(REQUEST)

    assert caught.value.code is code
    assert str(status) in caught.value.message
    assert REQUEST.prompt not in caught.value.message
    assert "test-token" not in caught.value.message


@pytest.mark.parametrize(
    "body",
    [
        {"candidates": []},
        {"candidates": [{"content": {"role": "model", "parts": [{"text": "  "}]}, "finishReason": "MAX_TOKENS"}]},
        {"promptFeedback": {"blockReason": "SAFETY"}},
        "<html>not json</html>",
    ],
)
async def test_answers_without_text_are_bad_output(server: VertexFakeServer, adapter: MakeAdapter, body: Any) -> None:
    server.push(reply_body(body))

    with pytest.raises(ServiceError) as caught:
        await adapter().generate(REQUEST)

    assert caught.value.code is ErrorCode.LLM_BAD_OUTPUT


async def test_an_unreachable_endpoint_is_llm_unavailable() -> None:
    async with VertexFakeServer() as gone:
        base_url = gone.base_url
    llm = VertexGemma(
        GEMMA,
        project="p",
        location="global",
        base_url=base_url,
        credentials=bearer("test-token"),
    )
    try:
        with pytest.raises(ServiceError) as caught:
            await llm.generate(REQUEST)
    finally:
        await llm.aclose()

    assert caught.value.code is ErrorCode.LLM_UNAVAILABLE


async def test_a_429_then_success_answers_on_the_second_attempt_and_records_one_ok_call(
    server: VertexFakeServer, adapter: MakeAdapter
) -> None:
    server.push(reply_status(429), reply_text("planned", input_tokens=30, output_tokens=4))
    sleeps = RecordedSleeps()
    llm = resilient(adapter(), sleep=sleeps)

    with recording_calls() as calls:
        response = await llm.generate(REQUEST)

    assert response.text == "planned"
    assert response.attempts == 2
    assert len(server.requests) == 2
    assert sleeps.delays == [0.0]
    (call,) = calls
    assert call == LLMCall("plan", f"vertex:{GEMMA}", "ok", call.latency_ms, 2, 30, 4)
    assert call.latency_ms > 0


async def test_a_400_is_not_retried(server: VertexFakeServer, adapter: MakeAdapter) -> None:
    server.push(reply_status(400))
    llm = resilient(adapter(), retries=3)

    with recording_calls() as calls, pytest.raises(ServiceError) as caught:
        await llm.generate(REQUEST)

    assert caught.value.code is ErrorCode.INVALID_REQUEST
    assert len(server.requests) == 1
    assert [(c.status, c.attempts, c.error) for c in calls] == [("error", 1, "INVALID_REQUEST")]


async def test_a_500_storm_opens_the_circuit_and_the_next_call_fails_without_reaching_the_server(
    server: VertexFakeServer, adapter: MakeAdapter
) -> None:
    server.default = reply_status(500)
    clock = ManualMonotonic(start=1000.0)
    breaker = CircuitBreaker(failures=3, cooldown_s=30.0, clock=clock)
    llm = resilient(adapter(), breaker=breaker, retries=1)

    for _ in range(3):
        with pytest.raises(ServiceError) as caught:
            await llm.generate(REQUEST)
        assert caught.value.code is ErrorCode.LLM_UNAVAILABLE
    assert state(breaker) == "open"
    assert len(server.requests) == 6  # three calls of two attempts each

    with recording_calls() as calls, pytest.raises(ServiceError) as caught:
        await llm.generate(REQUEST)

    assert caught.value.code is ErrorCode.LLM_UNAVAILABLE
    assert "circuit is open" in caught.value.message
    assert len(server.requests) == 6
    assert calls == [LLMCall("plan", f"vertex:{GEMMA}", "skipped", 0.0, 0, error="circuit open")]


async def test_after_the_cooldown_one_trial_call_goes_through_and_its_success_closes_the_circuit(
    server: VertexFakeServer, adapter: MakeAdapter
) -> None:
    server.default = reply_status(503)
    clock = ManualMonotonic(start=1000.0)
    breaker = CircuitBreaker(failures=2, cooldown_s=30.0, clock=clock)
    llm = resilient(adapter(), breaker=breaker, retries=0)
    for _ in range(2):
        with pytest.raises(ServiceError):
            await llm.generate(REQUEST)
    assert state(breaker) == "open"

    clock.now += 30.0
    assert state(breaker) == "half_open"
    server.default = reply_text("recovered")
    response = await llm.generate(REQUEST)

    assert response.text == "recovered"
    assert state(breaker) == "closed"
    assert len(server.requests) == 3


async def test_a_failed_trial_call_reopens_the_circuit_for_another_cooldown(
    server: VertexFakeServer, adapter: MakeAdapter
) -> None:
    server.default = reply_status(500)
    clock = ManualMonotonic(start=1000.0)
    breaker = CircuitBreaker(failures=1, cooldown_s=10.0, clock=clock)
    llm = resilient(adapter(), breaker=breaker, retries=0)
    with pytest.raises(ServiceError):
        await llm.generate(REQUEST)

    clock.now += 10.0
    with pytest.raises(ServiceError):
        await llm.generate(REQUEST)  # the trial reaches the server and fails
    clock.now += 9.0
    with pytest.raises(ServiceError) as caught:
        await llm.generate(REQUEST)

    assert "circuit is open" in caught.value.message
    assert state(breaker) == "open"
    assert len(server.requests) == 2


async def test_a_hung_server_times_out_as_llm_unavailable(server: VertexFakeServer, adapter: MakeAdapter) -> None:
    server.default = reply_hang()
    llm = resilient(adapter(), retries=0, timeout_s=0.2)

    with recording_calls() as calls, pytest.raises(ServiceError) as caught:
        await llm.generate(REQUEST)

    assert caught.value.code is ErrorCode.LLM_UNAVAILABLE
    assert "did not answer within 0.2s" in caught.value.message
    assert [(c.status, c.error) for c in calls] == [("error", "LLM_UNAVAILABLE")]


async def test_the_adapter_works_again_after_a_timed_out_attempt(
    server: VertexFakeServer, adapter: MakeAdapter
) -> None:
    server.push(reply_hang(), reply_text("second time lucky"))
    llm = resilient(adapter(), retries=1, timeout_s=0.2)

    response = await llm.generate(REQUEST)

    assert response.text == "second time lucky"
    assert response.attempts == 2
