"""VertexGemma: Gemma (or Gemini) models on Vertex AI through the google-genai SDK.

One `genai.Client(vertexai=True)` serves the adapter's whole life. Authentication, in order:
explicit `credentials`; an `api_key` (Vertex AI express mode: no project or location); otherwise
Application Default Credentials. Requests go to
`{base_url}/{api_version}/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent`
(`{base_url}/{api_version}/publishers/google/models/...` in express mode).

The SDK's own retries are switched off (`HttpRetryOptions(attempts=1)` also disables its one implicit retry on
connection errors); `ResilientLLM` owns timeouts, retries and the circuit breaker.
"""

from __future__ import annotations

import json
import time

import aiohttp
import google.auth.credentials
import google.auth.exceptions
import httpx2
import pydantic
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.llm.base import LLMRequest, LLMResponse, LLMUsage, status_error

_WHO = "Vertex AI"


class VertexGemma:
    """An `LLM` on Vertex AI. Gemma endpoints take no system instruction and no JSON mime type, so for
    models whose id contains `gemma` the system text opens the user turn and JSON is asked for in words only."""

    def __init__(
        self,
        model: str,
        *,
        project: str | None,
        location: str,
        api_key: str | None = None,
        base_url: str | None = None,
        credentials: google.auth.credentials.Credentials | None = None,
    ) -> None:
        if not model:
            raise ValueError("a Vertex AI model id is required")
        if api_key and credentials is not None:
            raise ValueError("give Vertex AI either an API key or credentials, not both")
        self.model = model
        self.name = f"vertex:{model}"
        self._gemma = "gemma" in model.lower()
        http_options = types.HttpOptions(base_url=base_url, retry_options=types.HttpRetryOptions(attempts=1))
        try:
            if api_key:
                self._client = genai.Client(vertexai=True, api_key=api_key, http_options=http_options)
            else:
                self._client = genai.Client(
                    vertexai=True,
                    project=project,
                    location=location,
                    credentials=credentials,
                    http_options=http_options,
                )
        except google.auth.exceptions.DefaultCredentialsError as exc:
            raise ValueError(
                "Vertex AI needs a project with Application Default Credentials "
                "(`gcloud auth application-default login` or a service account) or an API key"
            ) from exc

    def _call_arguments(self, request: LLMRequest) -> tuple[list[types.Content], types.GenerateContentConfig]:
        config = types.GenerateContentConfig(
            max_output_tokens=request.max_output_tokens,
            temperature=request.temperature,
            candidate_count=1,
        )
        if self._gemma:
            text = f"{request.system}\n\n{request.prompt}" if request.system else request.prompt
        else:
            text = request.prompt
            if request.system:
                config.system_instruction = request.system
            if request.json_output:
                config.response_mime_type = "application/json"
        return [types.Content(role="user", parts=[types.Part(text=text)])], config

    async def generate(self, request: LLMRequest) -> LLMResponse:
        contents, config = self._call_arguments(request)
        started = time.perf_counter()
        try:
            response = await self._client.aio.models.generate_content(
                model=self.model, contents=contents, config=config
            )
        except genai_errors.APIError as exc:
            raise status_error(_WHO, exc.code, exc.status) from exc
        except (
            json.JSONDecodeError,
            genai_errors.UnknownApiResponseError,
            pydantic.ValidationError,
        ) as exc:
            raise ServiceError(ErrorCode.LLM_BAD_OUTPUT, f"{_WHO} sent an unreadable answer") from exc
        except (google.auth.exceptions.RefreshError, google.auth.exceptions.DefaultCredentialsError) as exc:
            raise ServiceError(
                ErrorCode.UNAUTHENTICATED, f"{_WHO} credentials could not be used ({type(exc).__name__})"
            ) from exc
        except TimeoutError as exc:
            raise ServiceError(ErrorCode.LLM_UNAVAILABLE, f"{_WHO} did not answer in time") from exc
        except (
            aiohttp.ClientError,
            httpx2.TransportError,  # google-genai talks httpx2 wherever it does not use aiohttp
            google.auth.exceptions.TransportError,
            OSError,
        ) as exc:
            raise ServiceError(ErrorCode.LLM_UNAVAILABLE, f"{_WHO} is unreachable ({type(exc).__name__})") from exc
        latency_ms = (time.perf_counter() - started) * 1000
        text = response.text
        if not text or not text.strip():
            reason = _finish_reason(response)
            raise ServiceError(ErrorCode.LLM_BAD_OUTPUT, f"{_WHO} answered without text (finish reason {reason})")
        usage = response.usage_metadata
        return LLMResponse(
            text=text,
            model=self.name,
            usage=LLMUsage(
                input_tokens=usage.prompt_token_count if usage else None,
                output_tokens=usage.candidates_token_count if usage else None,
            ),
            latency_ms=latency_ms,
        )

    async def aclose(self) -> None:
        await self._client.aio.aclose()
        self._client.close()


def _finish_reason(response: types.GenerateContentResponse) -> str:
    if response.candidates and response.candidates[0].finish_reason is not None:
        return str(response.candidates[0].finish_reason.value)
    if response.prompt_feedback and response.prompt_feedback.block_reason is not None:
        return f"blocked: {response.prompt_feedback.block_reason.value}"
    return "unknown"
