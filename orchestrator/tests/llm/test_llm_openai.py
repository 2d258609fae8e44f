"""OpenAICompatible against a loopback chat-completions server, and the Google access-token provider."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import google.auth.credentials
import google.auth.exceptions
import google.auth.transport
import pytest
from llm_fakes import OpenAIFakeServer, reply_body, reply_status, reply_text

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.llm.base import LLMRequest
from orchestrator.llm.openai_compat import GoogleAccessToken, OpenAICompatible

REQUEST = LLMRequest(
    system="You plan tool calls.",
    prompt="Which orders did ana@example.com place?",
    purpose="plan",
    max_output_tokens=300,
    temperature=0.1,
)


@pytest.fixture
async def server() -> AsyncIterator[OpenAIFakeServer]:
    async with OpenAIFakeServer() as fake:
        yield fake


class CountingTokens:
    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        return f"token-{self.calls}"


class RefreshingCredentials(google.auth.credentials.Credentials):
    """Credentials whose refresh hands out `token-1`, `token-2`, ... valid for an hour, or raises `error`."""

    def __init__(self, error: Exception | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.refreshes = 0
        self.error = error

    def refresh(self, request: google.auth.transport.Request) -> None:
        self.refreshes += 1
        if self.error is not None:
            raise self.error
        self.token = f"token-{self.refreshes}"
        self.expiry = _utcnow() + datetime.timedelta(hours=1)


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


async def test_a_call_posts_the_chat_completions_body_and_parses_text_and_usage(server: OpenAIFakeServer) -> None:
    server.push(reply_text('{"steps": []}', input_tokens=50, output_tokens=6))
    llm = OpenAICompatible("gemma3:12b", base_url=server.base_url + "/")
    try:
        response = await llm.generate(REQUEST)
    finally:
        await llm.aclose()

    (sent,) = server.requests
    assert (sent.method, sent.path) == ("POST", "/v1/chat/completions")
    assert sent.json == {
        "model": "gemma3:12b",
        "messages": [
            {"role": "system", "content": "You plan tool calls."},
            {"role": "user", "content": "Which orders did ana@example.com place?"},
        ],
        "max_tokens": 300,
        "temperature": 0.1,
        "response_format": {"type": "json_object"},
    }
    assert "authorization" not in sent.headers
    assert response.text == '{"steps": []}'
    assert response.model == "openai:gemma3:12b" == llm.name
    assert (response.usage.input_tokens, response.usage.output_tokens) == (50, 6)
    assert response.latency_ms > 0


async def test_json_mode_is_asked_for_only_when_enabled_and_the_request_wants_json(server: OpenAIFakeServer) -> None:
    with_mode = OpenAICompatible("m", base_url=server.base_url)
    without_mode = OpenAICompatible("m", base_url=server.base_url, json_mode=False)
    try:
        await with_mode.generate(REQUEST)
        await with_mode.generate(LLMRequest(system="s", prompt="p", purpose="synthesize", json_output=False))
        await without_mode.generate(REQUEST)
    finally:
        await with_mode.aclose()
        await without_mode.aclose()

    formats = [sent.json.get("response_format") for sent in server.requests]
    assert formats == [{"type": "json_object"}, None, None]


async def test_an_api_key_is_sent_as_a_bearer_token(server: OpenAIFakeServer) -> None:
    llm = OpenAICompatible("m", base_url=server.base_url, api_key="sk-local")
    try:
        await llm.generate(REQUEST)
    finally:
        await llm.aclose()

    assert server.requests[0].headers["authorization"] == "Bearer sk-local"


async def test_the_token_provider_is_asked_for_a_token_on_every_call(server: OpenAIFakeServer) -> None:
    tokens = CountingTokens()
    llm = OpenAICompatible("m", base_url=server.base_url, token_provider=tokens)
    try:
        await llm.generate(REQUEST)
        await llm.generate(REQUEST)
    finally:
        await llm.aclose()

    assert [sent.headers["authorization"] for sent in server.requests] == ["Bearer token-1", "Bearer token-2"]


def test_an_api_key_and_a_token_provider_together_are_rejected() -> None:
    with pytest.raises(ValueError, match="not both"):
        OpenAICompatible("m", base_url="http://127.0.0.1:1/v1", api_key="k", token_provider=CountingTokens())


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (429, ErrorCode.RATE_LIMITED),
        (500, ErrorCode.LLM_UNAVAILABLE),
        (502, ErrorCode.LLM_UNAVAILABLE),
        (401, ErrorCode.UNAUTHENTICATED),
        (403, ErrorCode.FORBIDDEN),
        (400, ErrorCode.INVALID_REQUEST),
        (404, ErrorCode.INVALID_REQUEST),
    ],
)
async def test_http_errors_become_service_errors_that_quote_neither_prompt_nor_key(
    server: OpenAIFakeServer, status: int, code: ErrorCode
) -> None:
    server.push(reply_status(status, {"error": {"message": f"echo: {REQUEST.prompt}"}}))
    llm = OpenAICompatible("m", base_url=server.base_url, api_key="sk-secret")
    try:
        with pytest.raises(ServiceError) as caught:
            await llm.generate(REQUEST)
    finally:
        await llm.aclose()

    assert caught.value.code is code
    assert str(status) in caught.value.message
    assert REQUEST.prompt not in caught.value.message
    assert "sk-secret" not in caught.value.message


@pytest.mark.parametrize(
    "body",
    [
        "not json at all",
        {"choices": []},
        {"choices": [{"message": {"role": "assistant", "content": None}}]},
        {"choices": [{"message": {"role": "assistant", "content": "   "}}]},
        {"error": "no choices"},
        ["a", "list"],
    ],
)
async def test_answers_without_text_are_bad_output(server: OpenAIFakeServer, body: Any) -> None:
    server.push(reply_body(body))
    llm = OpenAICompatible("m", base_url=server.base_url)
    try:
        with pytest.raises(ServiceError) as caught:
            await llm.generate(REQUEST)
    finally:
        await llm.aclose()

    assert caught.value.code is ErrorCode.LLM_BAD_OUTPUT


async def test_an_answer_without_usage_has_unknown_token_counts(server: OpenAIFakeServer) -> None:
    server.push(reply_body({"choices": [{"message": {"role": "assistant", "content": "hi"}}]}))
    llm = OpenAICompatible("m", base_url=server.base_url)
    try:
        response = await llm.generate(REQUEST)
    finally:
        await llm.aclose()

    assert response.text == "hi"
    assert (response.usage.input_tokens, response.usage.output_tokens) == (None, None)


async def test_an_unreachable_endpoint_is_llm_unavailable() -> None:
    async with OpenAIFakeServer() as gone:
        base_url = gone.base_url
    llm = OpenAICompatible("m", base_url=base_url)
    try:
        with pytest.raises(ServiceError) as caught:
            await llm.generate(REQUEST)
    finally:
        await llm.aclose()

    assert caught.value.code is ErrorCode.LLM_UNAVAILABLE


async def test_successive_calls_reuse_one_connection_until_aclose(server: OpenAIFakeServer) -> None:
    llm = OpenAICompatible("m", base_url=server.base_url)
    try:
        for _ in range(3):
            await llm.generate(REQUEST)
        await llm.aclose()
        await llm.generate(REQUEST)
    finally:
        await llm.aclose()

    ports = [sent.client_port for sent in server.requests]
    assert len(set(ports[:3])) == 1
    assert ports[3] != ports[0]


async def test_a_session_passed_in_is_used_and_left_open(server: OpenAIFakeServer) -> None:
    async with aiohttp.ClientSession(headers={"X-Caller": "orchestrator"}) as session:
        llm = OpenAICompatible("m", base_url=server.base_url, session=session)
        await llm.generate(REQUEST)
        await llm.aclose()

        assert not session.closed
        assert server.requests[0].headers["x-caller"] == "orchestrator"


async def test_google_access_token_refreshes_once_for_concurrent_callers_and_caches_the_token() -> None:
    credentials = RefreshingCredentials()
    provider = GoogleAccessToken(credentials)

    tokens = await asyncio.gather(*(provider() for _ in range(5)))
    again = await provider()

    assert tokens == ["token-1"] * 5
    assert again == "token-1"
    assert credentials.refreshes == 1


async def test_google_access_token_refreshes_an_expired_token() -> None:
    credentials = RefreshingCredentials()
    provider = GoogleAccessToken(credentials)
    assert await provider() == "token-1"

    credentials.expiry = _utcnow() - datetime.timedelta(seconds=1)

    assert await provider() == "token-2"
    assert credentials.refreshes == 2


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (google.auth.exceptions.RefreshError("invalid_grant"), ErrorCode.UNAUTHENTICATED),  # type: ignore[no-untyped-call]
        (google.auth.exceptions.TransportError("reset"), ErrorCode.LLM_UNAVAILABLE),  # type: ignore[no-untyped-call]
    ],
)
async def test_google_access_token_failures_become_service_errors(error: Exception, code: ErrorCode) -> None:
    provider = GoogleAccessToken(RefreshingCredentials(error))

    with pytest.raises(ServiceError) as caught:
        await provider()

    assert caught.value.code is code


async def test_google_access_tokens_are_sent_as_the_bearer_token(server: OpenAIFakeServer) -> None:
    llm = OpenAICompatible("m", base_url=server.base_url, token_provider=GoogleAccessToken(RefreshingCredentials()))
    try:
        await llm.generate(REQUEST)
        await llm.generate(REQUEST)
    finally:
        await llm.aclose()

    assert {sent.headers["authorization"] for sent in server.requests} == {"Bearer token-1"}
