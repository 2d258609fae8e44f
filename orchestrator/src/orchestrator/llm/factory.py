"""Builds the configured model from `Settings.llm` (`ORCH_LLM`): none, Vertex AI or an OpenAI-compatible endpoint.

The adapters are imported only when chosen, so `rules` never loads the google-genai SDK.
"""

from __future__ import annotations

from orchestrator.llm.base import LLM
from orchestrator.llm.resilient import ResilientLLM
from orchestrator.resilience.breaker import CircuitBreaker
from orchestrator.settings import Settings

_FORMS = "`rules`, `vertex:<model>` (e.g. `vertex:gemma-4-26b-a4b-it-maas`) or `openai:<model>`"


def open_llm(settings: Settings) -> LLM | None:
    """The model `settings.llm` names, wrapped in `ResilientLLM`; None for `rules`.

    Raises `ValueError` for a value that is not one of the accepted forms, or for contradictory credentials.
    Nothing is sent over the network here.
    """
    spec = settings.llm.strip()
    if spec.lower() == "rules":
        return None
    kind, sep, model = spec.partition(":")
    kind, model = kind.strip().lower(), model.strip()
    if not sep or not model or kind not in ("vertex", "openai"):
        raise ValueError(f"ORCH_LLM={settings.llm!r} is not understood; use {_FORMS}")

    inner: LLM
    if kind == "vertex":
        from orchestrator.llm.vertex import VertexGemma

        inner = VertexGemma(
            model,
            project=settings.vertex_project,
            location=settings.vertex_location,
            api_key=settings.vertex_api_key.get_secret_value() if settings.vertex_api_key else None,
            base_url=settings.vertex_base_url,
        )
    else:
        from orchestrator.llm.openai_compat import GoogleAccessToken, OpenAICompatible

        if settings.openai_google_auth and settings.openai_api_key:
            raise ValueError("set either ORCH_OPENAI_API_KEY or ORCH_OPENAI_GOOGLE_AUTH, not both")
        inner = OpenAICompatible(
            model,
            base_url=settings.openai_base_url,
            api_key=settings.openai_api_key.get_secret_value() if settings.openai_api_key else None,
            token_provider=GoogleAccessToken() if settings.openai_google_auth else None,
        )
    return ResilientLLM(
        inner,
        timeout_s=settings.llm_timeout_s,
        retries=settings.llm_retries,
        backoff_s=settings.llm_retry_backoff_s,
        breaker=CircuitBreaker(settings.llm_breaker_failures, settings.llm_breaker_cooldown_s),
    )


def breaker_state(llm: LLM | None) -> str:
    """The circuit state of a `ResilientLLM` (`closed`, `open`, `half_open`), `n/a` for anything else (for /health)."""
    if isinstance(llm, ResilientLLM):
        return llm.breaker.state
    return "n/a"
