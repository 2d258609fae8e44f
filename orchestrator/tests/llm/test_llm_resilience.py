"""The circuit breaker's state machine, ResilientLLM's retry policy over a scripted model, and `open_llm`."""

from __future__ import annotations

import asyncio

import pytest
from llm_fakes import ManualMonotonic, RecordedSleeps
from llm_scripted import HangingLLM, ScriptedLLM
from pydantic import SecretStr

from mcp_common.errors import ErrorCode, ServiceError
from orchestrator.llm.base import LLMCall, LLMRequest, LLMResponse, recording_calls
from orchestrator.llm.factory import breaker_state, open_llm
from orchestrator.llm.openai_compat import GoogleAccessToken, OpenAICompatible
from orchestrator.llm.resilient import ResilientLLM
from orchestrator.llm.vertex import VertexGemma
from orchestrator.resilience.breaker import CircuitBreaker
from orchestrator.settings import Settings

REQUEST = LLMRequest(system="s", prompt="p", purpose="intent")


class BrokenLLM:
    name = "broken:test"

    def __init__(self) -> None:
        self.calls = 0

    async def generate(self, request: LLMRequest) -> LLMResponse:
        self.calls += 1
        raise KeyError("choices")

    async def aclose(self) -> None:
        return None


def state(breaker: CircuitBreaker) -> str:
    """The state read afresh (mypy would otherwise keep a narrowed literal across clock changes)."""
    return breaker.state


def unavailable() -> ServiceError:
    return ServiceError(ErrorCode.LLM_UNAVAILABLE, "down")


def open_breaker(clock: ManualMonotonic, *, failures: int = 2, cooldown_s: float = 10.0) -> CircuitBreaker:
    breaker = CircuitBreaker(failures, cooldown_s, clock=clock)
    for _ in range(failures):
        breaker.failure()
    return breaker


# --- CircuitBreaker ---------------------------------------------------------------------------------------------


def test_a_new_breaker_is_closed_and_allows_calls() -> None:
    breaker = CircuitBreaker(3, 10.0)

    assert state(breaker) == "closed"
    assert all(breaker.allow() for _ in range(10))


def test_the_breaker_opens_after_the_configured_consecutive_failures() -> None:
    breaker = CircuitBreaker(3, 10.0, clock=ManualMonotonic())

    breaker.failure()
    breaker.failure()
    assert state(breaker) == "closed"
    breaker.failure()

    assert state(breaker) == "open"
    assert not breaker.allow()


def test_a_success_restarts_the_failure_count() -> None:
    breaker = CircuitBreaker(2, 10.0, clock=ManualMonotonic())

    breaker.failure()
    breaker.success()
    breaker.failure()

    assert state(breaker) == "closed"


def test_an_open_breaker_refuses_calls_until_the_cooldown_has_elapsed() -> None:
    clock = ManualMonotonic()
    breaker = open_breaker(clock, cooldown_s=10.0)

    clock.now = 9.9
    assert state(breaker) == "open"
    assert not breaker.allow()
    clock.now = 10.0

    assert state(breaker) == "half_open"


def test_a_half_open_breaker_lets_exactly_one_trial_call_through() -> None:
    clock = ManualMonotonic()
    breaker = open_breaker(clock)
    clock.now = 10.0

    assert breaker.allow()
    assert not breaker.allow()
    assert not breaker.allow()
    assert state(breaker) == "half_open"


def test_a_successful_trial_closes_the_breaker() -> None:
    clock = ManualMonotonic()
    breaker = open_breaker(clock, failures=2)
    clock.now = 10.0
    assert breaker.allow()

    breaker.success()

    assert state(breaker) == "closed"
    assert breaker.allow()
    breaker.failure()
    assert state(breaker) == "closed"  # the count restarted: one failure of two


def test_a_failed_trial_reopens_the_breaker_for_a_new_cooldown() -> None:
    clock = ManualMonotonic()
    breaker = open_breaker(clock, cooldown_s=10.0)
    clock.now = 10.0
    assert breaker.allow()

    breaker.failure()

    assert state(breaker) == "open"
    clock.now = 19.9
    assert not breaker.allow()
    clock.now = 20.0
    assert breaker.allow()


def test_an_abandoned_trial_gives_the_trial_slot_back() -> None:
    clock = ManualMonotonic()
    breaker = open_breaker(clock)
    clock.now = 10.0
    assert breaker.allow()

    breaker.abandon()

    assert breaker.allow()
    assert not breaker.allow()


def test_late_failures_do_not_extend_an_open_circuit() -> None:
    clock = ManualMonotonic()
    breaker = open_breaker(clock, cooldown_s=10.0)

    clock.now = 5.0
    breaker.failure()
    clock.now = 10.0

    assert breaker.allow()


@pytest.mark.parametrize(("failures", "cooldown_s"), [(0, 1.0), (1, -1.0)])
def test_a_breaker_rejects_nonsense_settings(failures: int, cooldown_s: float) -> None:
    with pytest.raises(ValueError, match="circuit breaker"):
        CircuitBreaker(failures, cooldown_s)


# --- ResilientLLM -----------------------------------------------------------------------------------------------


def resilient(
    inner: ScriptedLLM | HangingLLM | BrokenLLM,
    *,
    retries: int = 2,
    backoff_s: float = 0.5,
    timeout_s: float = 5.0,
    breaker: CircuitBreaker | None = None,
    sleep: RecordedSleeps | None = None,
) -> ResilientLLM:
    return ResilientLLM(
        inner,
        timeout_s=timeout_s,
        retries=retries,
        backoff_s=backoff_s,
        breaker=breaker or CircuitBreaker(5, 30.0),
        sleep=sleep or RecordedSleeps(),
    )


async def test_retries_wait_twice_as_long_each_time_and_give_up_after_all_attempts() -> None:
    sleeps = RecordedSleeps()
    model = ScriptedLLM(ServiceError(ErrorCode.RATE_LIMITED, "slow down"))
    llm = resilient(model, retries=2, backoff_s=0.5, sleep=sleeps)

    with recording_calls() as calls, pytest.raises(ServiceError) as caught:
        await llm.generate(REQUEST)

    assert caught.value.code is ErrorCode.RATE_LIMITED
    assert len(model.requests) == 3
    assert sleeps.delays == [0.5, 1.0]
    assert [(c.model, c.status, c.attempts, c.error) for c in calls] == [("scripted:test", "error", 3, "RATE_LIMITED")]


async def test_a_success_after_a_retry_reports_its_attempts_and_tokens() -> None:
    model = ScriptedLLM(unavailable(), "answer")
    llm = resilient(model)

    with recording_calls() as calls:
        response = await llm.generate(REQUEST)

    assert (response.text, response.attempts) == ("answer", 2)
    assert calls == [LLMCall("intent", "scripted:test", "ok", calls[0].latency_ms, 2, 0, 1)]


@pytest.mark.parametrize("code", [ErrorCode.INVALID_REQUEST, ErrorCode.LLM_BAD_OUTPUT, ErrorCode.FORBIDDEN])
async def test_errors_that_are_not_retryable_fail_on_the_first_attempt(code: ErrorCode) -> None:
    model = ScriptedLLM(ServiceError(code, "no"), "never reached")
    llm = resilient(model)

    with pytest.raises(ServiceError) as caught:
        await llm.generate(REQUEST)

    assert caught.value.code is code
    assert len(model.requests) == 1


async def test_an_adapter_defect_becomes_an_internal_error_without_retries() -> None:
    model = BrokenLLM()
    llm = resilient(model)

    with pytest.raises(ServiceError) as caught:
        await llm.generate(REQUEST)

    assert caught.value.code is ErrorCode.INTERNAL
    assert model.calls == 1


async def test_an_attempt_that_outlives_its_timeout_is_llm_unavailable() -> None:
    llm = resilient(HangingLLM(), retries=1, timeout_s=0.01)

    with recording_calls() as calls, pytest.raises(ServiceError) as caught:
        await llm.generate(REQUEST)

    assert caught.value.code is ErrorCode.LLM_UNAVAILABLE
    assert [(c.status, c.attempts) for c in calls] == [("error", 2)]


async def test_every_failed_call_counts_towards_opening_the_circuit_whatever_its_error() -> None:
    model = ScriptedLLM(ServiceError(ErrorCode.INVALID_REQUEST, "bad"), unavailable(), "unused")
    breaker = CircuitBreaker(2, 30.0, clock=ManualMonotonic())
    llm = resilient(model, retries=0, breaker=breaker)

    for _ in range(2):
        with pytest.raises(ServiceError):
            await llm.generate(REQUEST)
    with recording_calls() as calls, pytest.raises(ServiceError) as caught:
        await llm.generate(REQUEST)

    assert state(breaker) == "open"
    assert caught.value.code is ErrorCode.LLM_UNAVAILABLE
    assert len(model.requests) == 2
    assert calls == [LLMCall("intent", "scripted:test", "skipped", 0.0, 0, error="circuit open")]


async def test_a_cancelled_trial_call_does_not_leave_the_circuit_stuck() -> None:
    clock = ManualMonotonic()
    breaker = open_breaker(clock)
    clock.now = 10.0
    hanging = HangingLLM()
    llm = resilient(hanging, breaker=breaker)

    trial = asyncio.create_task(llm.generate(REQUEST))
    await hanging.started.wait()
    trial.cancel()
    with pytest.raises(asyncio.CancelledError):
        await trial

    assert state(breaker) == "half_open"
    assert breaker.allow()


async def test_the_wrapper_takes_the_inner_name_and_closes_the_inner_model() -> None:
    model = ScriptedLLM("x", name="vertex:gemma-test")
    llm = resilient(model)

    await llm.aclose()

    assert llm.name == "vertex:gemma-test"
    assert model.closed


# --- open_llm -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["rules", " RULES "])
def test_rules_means_no_model(value: str) -> None:
    assert open_llm(Settings(llm=value)) is None


@pytest.mark.parametrize("value", ["", "vertex", "vertex:", "openai:  ", "gemma-3-27b-it", "anthropic:claude", ":m"])
def test_unknown_model_settings_are_rejected_naming_the_setting_and_the_accepted_forms(value: str) -> None:
    with pytest.raises(ValueError, match="ORCH_LLM") as caught:
        open_llm(Settings(llm=value))

    assert "vertex:<model>" in str(caught.value)
    assert "openai:<model>" in str(caught.value)


async def test_vertex_settings_build_a_resilient_vertex_adapter() -> None:
    settings = Settings(
        llm="vertex:gemma-4-26b-a4b-it-maas",
        vertex_project="my-project",
        vertex_location="global",
        llm_timeout_s=7.0,
        llm_retries=1,
        llm_retry_backoff_s=0.25,
        llm_breaker_failures=4,
        llm_breaker_cooldown_s=12.0,
    )

    llm = open_llm(settings)

    assert isinstance(llm, ResilientLLM)
    assert isinstance(llm.inner, VertexGemma)
    assert llm.name == "vertex:gemma-4-26b-a4b-it-maas"
    assert (llm.timeout_s, llm.retries, llm.backoff_s) == (7.0, 1, 0.25)
    assert (llm.breaker.failures, llm.breaker.cooldown_s) == (4, 12.0)
    assert breaker_state(llm) == "closed"
    await llm.aclose()


async def test_a_vertex_api_key_builds_an_express_mode_adapter() -> None:
    llm = open_llm(Settings(llm="vertex:gemma-3-27b-it", vertex_api_key=SecretStr("key")))

    assert isinstance(llm, ResilientLLM)
    assert isinstance(llm.inner, VertexGemma)
    await llm.aclose()


async def test_openai_settings_build_a_resilient_chat_completions_adapter() -> None:
    settings = Settings(llm="openai:gemma3:12b", openai_base_url="http://127.0.0.1:11434/v1/")

    llm = open_llm(settings)

    assert isinstance(llm, ResilientLLM)
    assert isinstance(llm.inner, OpenAICompatible)
    assert llm.name == "openai:gemma3:12b"
    assert llm.inner.url == "http://127.0.0.1:11434/v1/chat/completions"
    assert llm.inner.token_provider is None
    await llm.aclose()


async def test_openai_google_auth_uses_google_access_tokens() -> None:
    llm = open_llm(Settings(llm="openai:google/gemma-3-27b-it", openai_google_auth=True))

    assert isinstance(llm, ResilientLLM)
    assert isinstance(llm.inner, OpenAICompatible)
    assert isinstance(llm.inner.token_provider, GoogleAccessToken)
    await llm.aclose()


def test_an_openai_key_and_google_auth_together_are_rejected() -> None:
    settings = Settings(llm="openai:m", openai_api_key=SecretStr("k"), openai_google_auth=True)

    with pytest.raises(ValueError, match="not both"):
        open_llm(settings)


def test_breaker_state_is_not_applicable_without_a_resilient_model() -> None:
    assert breaker_state(None) == "n/a"
    assert breaker_state(ScriptedLLM("x")) == "n/a"
