"""`HubSpotCrmApi` against a loopback fake HubSpot that answers like the documented CRM API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Iterator
from datetime import UTC, date, datetime

import httpx
import pytest
from hubspot_fakes import TOKEN, FakeHubSpot, fake_hubspot_app

from hubspot_service.app import create_app
from hubspot_service.backends.hubspot_api import HubSpotCrmApi
from hubspot_service.settings import Settings
from mcp_common import tracing
from mcp_common.errors import ErrorCode, ServiceError
from mcp_devtools.testing import free_port, serve


@pytest.fixture(scope="module")
def fake_hubspot() -> Iterator[tuple[FakeHubSpot, str]]:
    state = FakeHubSpot()
    with serve(fake_hubspot_app(state)) as url:
        yield state, url


@pytest.fixture
def fake(fake_hubspot: tuple[FakeHubSpot, str]) -> FakeHubSpot:
    state, _ = fake_hubspot
    state.mode = "normal"
    state.headers.clear()
    state.paths.clear()
    return state


@pytest.fixture
async def crm(fake: FakeHubSpot, fake_hubspot: tuple[FakeHubSpot, str]) -> AsyncIterator[HubSpotCrmApi]:
    async with HubSpotCrmApi(access_token=TOKEN, base_url=fake_hubspot[1], timeout_s=5) as api:
        yield api


async def _error_of(call: Awaitable[object]) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        await call
    return caught.value


async def test_contact_is_mapped_from_string_properties_with_the_owners_name(crm: HubSpotCrmApi) -> None:
    contact = await crm.contact("Ada@Example.com")

    assert contact.id == "501"
    assert (contact.first_name, contact.last_name, contact.email) == ("Ada", "Lovelace", "ada@example.com")
    assert (contact.company, contact.job_title) == ("Analytical Engines Ltd", "Head of Analysis")
    assert (contact.lifecycle_stage, contact.lead_status) == ("customer", "CONNECTED")
    assert contact.owner_name == "Morgan Reyes"
    assert contact.created_at == datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
    assert contact.last_activity_at == datetime(2026, 1, 12, 10, 15, tzinfo=UTC)


async def test_custom_lifecycle_stage_is_other_and_a_vanished_owner_is_no_owner(crm: HubSpotCrmApi) -> None:
    contact = await crm.contact("grace@example.com")

    assert contact.lifecycle_stage == "other"
    assert contact.owner_name is None
    assert contact.lead_status is None and contact.job_title is None and contact.last_activity_at is None


async def test_deals_follow_association_pages_and_carry_stage_labels(crm: HubSpotCrmApi, fake: FakeHubSpot) -> None:
    deals = {d.id: d for d in await crm.deals("ada@example.com")}

    assert set(deals) == {"9001", "9002", "9003"}
    assert sum("/associations/deals" in p for p in fake.paths) == 2
    renewal = deals["9002"]
    assert (renewal.stage, renewal.pipeline, renewal.amount, renewal.currency) == (
        "Decision maker bought-in",
        "Sales Pipeline",
        12500.5,
        "GBP",
    )
    assert renewal.close_date == date(2026, 3, 31)
    assert not renewal.is_closed and not renewal.is_won
    assert deals["9003"].is_closed and deals["9003"].is_won and deals["9003"].stage == "Closed won"


async def test_tickets_are_open_or_closed_by_their_pipeline_stage(crm: HubSpotCrmApi) -> None:
    tickets = {t.id: t for t in await crm.tickets("ada@example.com")}

    assert (tickets["7001"].status, tickets["7001"].stage, tickets["7001"].priority) == (
        "open",
        "Waiting on us",
        "HIGH",
    )
    assert tickets["7001"].closed_at is None
    assert (tickets["7002"].status, tickets["7002"].stage) == ("closed", "Closed")
    assert tickets["7002"].closed_at == datetime(2025, 11, 4, 10, 0, tzinfo=UTC)


async def test_contact_without_deals_skips_the_batch_read(crm: HubSpotCrmApi, fake: FakeHubSpot) -> None:
    assert await crm.deals("grace@example.com") == []
    assert not any("batch/read" in p for p in fake.paths)


async def test_unknown_email_is_not_found(crm: HubSpotCrmApi) -> None:
    error = await _error_of(crm.contact("nobody@example.com"))

    assert (error.code, error.message) == (ErrorCode.NOT_FOUND, "no CRM contact with that email")


async def test_a_search_hit_for_another_address_is_never_returned(crm: HubSpotCrmApi, fake: FakeHubSpot) -> None:
    fake.mode = "sloppy_search"  # answers with every contact, Ada first

    error = await _error_of(crm.contact("grace.hopper@example.com"))

    assert error.code is ErrorCode.NOT_FOUND


async def test_rate_limit_is_rate_limited_and_retryable(crm: HubSpotCrmApi, fake: FakeHubSpot) -> None:
    fake.mode = "rate_limited"

    error = await _error_of(crm.deals("ada@example.com"))

    assert error.code is ErrorCode.RATE_LIMITED
    assert error.retryable


async def test_server_error_is_service_unavailable(crm: HubSpotCrmApi, fake: FakeHubSpot) -> None:
    fake.mode = "down"

    error = await _error_of(crm.tickets("ada@example.com"))

    assert error.code is ErrorCode.SERVICE_UNAVAILABLE
    assert error.retryable


async def test_rejected_token_says_credentials_and_never_echoes_the_token(
    fake_hubspot: tuple[FakeHubSpot, str],
) -> None:
    wrong = "pat-na1-wrong-0000-secret"
    async with HubSpotCrmApi(access_token=wrong, base_url=fake_hubspot[1]) as api:
        error = await _error_of(api.contact("ada@example.com"))

    assert error.code is ErrorCode.SERVICE_UNAVAILABLE
    assert "credentials" in error.message
    assert wrong not in error.message and wrong not in repr(error)
    assert error.__cause__ is None or wrong not in str(error.__cause__)


@pytest.mark.parametrize("mode", ["garbage", "wrong_shape"])
async def test_unexpected_body_is_a_bad_response(crm: HubSpotCrmApi, fake: FakeHubSpot, mode: str) -> None:
    fake.mode = mode

    error = await _error_of(crm.contact("ada@example.com"))

    assert error.code is ErrorCode.SERVICE_BAD_RESPONSE
    assert not error.retryable


async def test_requests_carry_token_and_user_agent_but_no_trace_headers(crm: HubSpotCrmApi, fake: FakeHubSpot) -> None:
    with tracing.use(tracing.TraceContext(tracing.new_trace_id(), tracing.new_span_id(), None, "session-1")):
        await crm.contact("ada@example.com")

    for headers in fake.headers:
        assert headers["authorization"] == f"Bearer {TOKEN}"
        assert headers["user-agent"].startswith("mcp-hubspot-service/")
        assert not {"traceparent", "x-session-id", "x-cloud-trace-context"} & set(headers)


async def test_unreachable_hubspot_is_service_unavailable() -> None:
    async with HubSpotCrmApi(access_token=TOKEN, base_url=f"http://127.0.0.1:{free_port()}") as api:
        error = await _error_of(api.contact("ada@example.com"))

    assert error.code is ErrorCode.SERVICE_UNAVAILABLE


async def test_slow_hubspot_is_a_service_timeout(fake_hubspot: tuple[FakeHubSpot, str], fake: FakeHubSpot) -> None:
    fake.mode = "slow"

    async with HubSpotCrmApi(access_token=TOKEN, base_url=fake_hubspot[1], timeout_s=0.25) as api:
        error = await _error_of(api.contact("ada@example.com"))

    assert error.code is ErrorCode.SERVICE_TIMEOUT
    assert error.retryable


def test_service_with_the_hubspot_backend_answers_mcp_call_end_to_end(
    fake_hubspot: tuple[FakeHubSpot, str],
) -> None:
    settings = Settings(_env_file=None, backend="hubspot", access_token=TOKEN, base_url=fake_hubspot[1])
    request = {
        "tool": "list_deals",
        "arguments": {"email": "ada@example.com"},
        "context": {"caller": "ada@example.com"},
    }

    with serve(create_app(settings)) as url:
        body = httpx.post(f"{url}/mcp/call", json=request, timeout=10).json()

    assert body["ok"] is True
    assert (body["result"]["open_count"], body["result"]["won_count"]) == (2, 1)
    assert body["result"]["open_pipeline_total"] == 60500.5
    assert body["result"]["open_pipeline_currency"] == "GBP"
