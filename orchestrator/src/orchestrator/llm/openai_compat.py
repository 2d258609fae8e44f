"""OpenAICompatible: any `POST {base_url}/chat/completions` endpoint (vLLM, Ollama, llama.cpp, Vertex AI).

One aiohttp session serves the adapter's life: the one passed in (left open by `aclose`) or one created on the
first call (closed by `aclose`). The bearer token is a fixed `api_key` or comes from `token_provider` on every
call; `GoogleAccessToken` is such a provider, for endpoints that take Google OAuth tokens (Vertex AI Model
Garden deployments, the Vertex AI OpenAI-compatible API).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import google.auth
import google.auth.credentials
import google.auth.exceptions
import google.auth.transport.requests

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.llm.base import LLMRequest, LLMResponse, LLMUsage, status_error

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"

_WHO = "the OpenAI-compatible endpoint"


class OpenAICompatible:
    """An `LLM` over the OpenAI chat-completions API.

    `json_mode=False` leaves out `response_format` for servers that reject it; JSON is then asked for in the
    prompt only.
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str,
        api_key: str | None = None,
        token_provider: Callable[[], Awaitable[str]] | None = None,
        json_mode: bool = True,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        if not model:
            raise ValueError("an OpenAI-compatible model id is required")
        if api_key and token_provider is not None:
            raise ValueError("give the OpenAI-compatible endpoint either an API key or a token provider, not both")
        self.model = model
        self.name = f"openai:{model}"
        self.url = f"{base_url.rstrip('/')}/chat/completions"
        self.json_mode = json_mode
        self._api_key = api_key
        self.token_provider = token_provider
        self._session = session
        self._owns_session = session is None

    def _body(self, request: LLMRequest) -> dict[str, Any]:
        messages = [{"role": "user", "content": request.prompt}]
        if request.system:
            messages.insert(0, {"role": "system", "content": request.system})
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": request.max_output_tokens,
            "temperature": request.temperature,
        }
        if self.json_mode and request.json_output:
            body["response_format"] = {"type": "json_object"}
        return body

    async def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        token = await self.token_provider() if self.token_provider is not None else self._api_key
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or (self._owns_session and self._session.closed):
            self._session = aiohttp.ClientSession()
            self._owns_session = True
        return self._session

    async def generate(self, request: LLMRequest) -> LLMResponse:
        headers = await self._headers()
        session = self._get_session()
        started = time.perf_counter()
        try:
            async with session.post(self.url, json=self._body(request), headers=headers) as response:
                status, content = response.status, await response.read()
        except TimeoutError as exc:
            raise ServiceError(ErrorCode.LLM_UNAVAILABLE, f"{_WHO} did not answer in time") from exc
        except aiohttp.ClientError as exc:
            raise ServiceError(ErrorCode.LLM_UNAVAILABLE, f"{_WHO} is unreachable ({type(exc).__name__})") from exc
        latency_ms = (time.perf_counter() - started) * 1000
        if not 200 <= status < 300:
            raise status_error(_WHO, status)
        text, usage = _parse(content)
        return LLMResponse(text=text, model=self.name, usage=usage, latency_ms=latency_ms)

    async def aclose(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None


def _parse(content: bytes) -> tuple[str, LLMUsage]:
    try:
        body = json.loads(content)
        text = body["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ServiceError(ErrorCode.LLM_BAD_OUTPUT, f"{_WHO} sent an unreadable answer") from exc
    if not isinstance(text, str) or not text.strip():
        raise ServiceError(ErrorCode.LLM_BAD_OUTPUT, f"{_WHO} answered without text")
    usage = body.get("usage")
    if not isinstance(usage, dict):
        return text, LLMUsage()
    return text, LLMUsage(_count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens")))


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class GoogleAccessToken:
    """A token provider: a Google OAuth access token from Application Default Credentials, cached.

    The credentials are loaded on the first call and refreshed (in a worker thread, since google-auth blocks)
    only when the token is missing or expired; concurrent callers wait for one refresh. Failures become
    `ServiceError`s: UNAUTHENTICATED when there are no usable credentials, LLM_UNAVAILABLE when the token
    endpoint cannot be reached.
    """

    def __init__(
        self,
        credentials: google.auth.credentials.Credentials | None = None,
        *,
        scopes: Sequence[str] = (CLOUD_PLATFORM_SCOPE,),
    ) -> None:
        self._credentials = credentials
        self._scopes = list(scopes)
        self._lock = asyncio.Lock()

    async def __call__(self) -> str:
        async with self._lock:
            try:
                token = await self._token()
            except google.auth.exceptions.TransportError as exc:
                raise ServiceError(
                    ErrorCode.LLM_UNAVAILABLE, f"the Google token endpoint is unreachable ({type(exc).__name__})"
                ) from exc
            except google.auth.exceptions.GoogleAuthError as exc:
                raise ServiceError(
                    ErrorCode.UNAUTHENTICATED,
                    f"no Google access token from the default credentials ({type(exc).__name__})",
                ) from exc
        if not token:
            raise ServiceError(ErrorCode.UNAUTHENTICATED, "the Google credentials gave no access token")
        return token

    async def _token(self) -> str | None:
        credentials = self._credentials
        if credentials is None:
            loaded, _ = await asyncio.to_thread(google.auth.default, scopes=self._scopes)
            self._credentials = credentials = loaded
        if not credentials.token or not credentials.valid:
            await asyncio.to_thread(credentials.refresh, google.auth.transport.requests.Request())
        token = credentials.token
        return token if isinstance(token, str) else None
