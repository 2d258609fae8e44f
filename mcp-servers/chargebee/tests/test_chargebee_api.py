"""`ChargebeeBillingApi` against a loopback fake of the Chargebee API v2 on a real port."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from chargebee_fakes import API_KEY, CUSTOMER, DAY, T0, FakeChargebee
from fastapi import Response
from fastapi.responses import JSONResponse
from pydantic import SecretStr

from chargebee_service.app import create_app
from chargebee_service.backends.chargebee_api import ChargebeeBillingApi
from chargebee_service.settings import Settings
from mcp_common.errors import ErrorCode, ServiceError
from mcp_devtools.testing import free_port, serve


@pytest.fixture(scope="module")
def chargebee_fake() -> Iterator[tuple[FakeChargebee, str]]:
    fake = FakeChargebee()
    with serve(fake.app()) as url:
        yield fake, f"{url}/api/v2"


@pytest.fixture
def fake(chargebee_fake: tuple[FakeChargebee, str]) -> Iterator[FakeChargebee]:
    """The module's fake, with a clean request log and no scripted answers."""
    chargebee_fake[0].requests.clear()
    chargebee_fake[0].scripted.clear()
    yield chargebee_fake[0]
    chargebee_fake[0].scripted.clear()
    chargebee_fake[0].delay_s = 0.0


@pytest.fixture
async def api(chargebee_fake: tuple[FakeChargebee, str], fake: FakeChargebee) -> AsyncIterator[ChargebeeBillingApi]:
    backend = ChargebeeBillingApi(base_url=chargebee_fake[1], api_key=API_KEY, timeout_s=5)
    yield backend
    await backend.aclose()


async def _error(call: Any) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        await call
    return caught.value


async def test_customer_is_found_by_email_with_only_a_card_summary(api: ChargebeeBillingApi) -> None:
    customer = await api.find_customer("ada@example.com")

    assert (customer.id, customer.name, customer.currency) == ("16BjqgTRPp2tT3ZU", "Ada Lovelace", "GBP")
    assert customer.created_at == datetime.fromtimestamp(T0 - 400 * DAY, UTC)
    assert customer.billing_address is not None
    assert (customer.billing_address.city, customer.billing_address.country) == ("London", "GB")
    assert customer.payment_method is not None
    assert customer.payment_method.model_dump() == {
        "type": "card",
        "status": "valid",
        "card_brand": "visa",
        "card_last4": "4242",
        "card_expiry_month": 8,
        "card_expiry_year": 2028,
    }


async def test_customer_lookup_uses_the_email_filter_basic_auth_and_a_user_agent(
    api: ChargebeeBillingApi, fake: FakeChargebee
) -> None:
    await api.find_customer("ada@example.com")

    (request,) = fake.requests
    assert request.query_params["email[is]"] == "ada@example.com"
    assert request.headers["authorization"].startswith("Basic ")
    assert request.headers["user-agent"].startswith("chargebee-mcp-service/")
    assert "traceparent" not in request.headers


async def test_subscriptions_of_both_product_catalogs_are_mapped_newest_first(api: ChargebeeBillingApi) -> None:
    newest, oldest = await api.subscriptions("16BjqgTRPp2tT3ZU")

    assert (newest.plan_id, newest.plan_name, newest.status) == ("pro-monthly", "Pro Monthly", "active")
    assert (newest.amount, newest.currency, newest.billing_period_unit) == (Decimal("49.00"), "GBP", "month")
    assert newest.next_billing_at == datetime.fromtimestamp(T0 + 31 * DAY, UTC)
    assert (oldest.plan_id, oldest.amount, oldest.status) == ("starter-monthly", Decimal("19.00"), "cancelled")
    assert oldest.cancelled_at == datetime.fromtimestamp(T0 - 300 * DAY, UTC)


async def test_invoices_convert_cents_and_unix_timestamps(api: ChargebeeBillingApi) -> None:
    page = await api.invoices("16BjqgTRPp2tT3ZU", statuses=None, limit=10)

    first = page.invoices[0]
    assert (first.id, first.status, first.total, first.amount_due) == (
        "INV-1003",
        "payment_due",
        Decimal("59.00"),
        Decimal("59.00"),
    )
    assert first.date == datetime(2026, 1, 1, tzinfo=UTC)
    assert page.invoices[1].paid_at == datetime.fromtimestamp(T0 - 31 * DAY + 60, UTC)
    assert not page.has_more


async def test_status_filter_is_sent_as_a_status_in_list_and_limit_reports_more(
    api: ChargebeeBillingApi, fake: FakeChargebee
) -> None:
    page = await api.invoices("16BjqgTRPp2tT3ZU", statuses=("paid", "voided"), limit=1)

    assert json.loads(fake.requests[0].query_params["status[in]"]) == ["paid", "voided"]
    assert [i.id for i in page.invoices] == ["INV-1002"]
    assert page.has_more


async def test_unknown_email_is_not_found(api: ChargebeeBillingApi) -> None:
    error = await _error(api.find_customer("mallory@example.com"))

    assert error.code == ErrorCode.NOT_FOUND


async def test_a_record_for_another_email_is_never_handed_out(api: ChargebeeBillingApi, fake: FakeChargebee) -> None:
    fake.scripted["/api/v2/customers"] = JSONResponse({"list": [{"customer": CUSTOMER}]})

    error = await _error(api.find_customer("linus@example.com"))

    assert error.code == ErrorCode.NOT_FOUND


async def test_rate_limiting_is_a_retryable_rate_limited_error(api: ChargebeeBillingApi, fake: FakeChargebee) -> None:
    body = {"message": "Sorry, access has been blocked temporarily", "api_error_code": "api_request_limit_exceeded"}
    fake.scripted["/api/v2/customers"] = JSONResponse(body, status_code=429)

    error = await _error(api.find_customer("ada@example.com"))

    assert (error.code, error.retryable) == (ErrorCode.RATE_LIMITED, True)


async def test_a_server_error_is_service_unavailable(api: ChargebeeBillingApi, fake: FakeChargebee) -> None:
    fake.scripted["/api/v2/invoices"] = JSONResponse({"message": "internal error"}, status_code=500)

    error = await _error(api.invoices("16BjqgTRPp2tT3ZU", statuses=None, limit=5))

    assert (error.code, error.retryable) == (ErrorCode.SERVICE_UNAVAILABLE, True)


async def test_rejected_credentials_are_reported_without_echoing_the_key(
    chargebee_fake: tuple[FakeChargebee, str], fake: FakeChargebee
) -> None:
    wrong_key = "live_WrongKeyThatMustNotLeak"
    backend = ChargebeeBillingApi(base_url=chargebee_fake[1], api_key=wrong_key)
    try:
        error = await _error(backend.find_customer("ada@example.com"))
    finally:
        await backend.aclose()

    assert error.code == ErrorCode.SERVICE_UNAVAILABLE
    assert "credentials" in error.message
    assert wrong_key not in error.message
    assert wrong_key not in repr(error.__cause__)


@pytest.mark.parametrize(
    "answer",
    [
        Response("<html>Bad gateway page</html>", media_type="text/html"),
        JSONResponse({"items": []}),
        JSONResponse({"list": [{"customer": {"id": "x", "email": "ada@example.com"}}]}),
        JSONResponse({"list": ["not-an-object"]}),
    ],
)
async def test_an_unexpected_body_is_a_bad_response(
    api: ChargebeeBillingApi, fake: FakeChargebee, answer: Response
) -> None:
    fake.scripted["/api/v2/customers"] = answer

    error = await _error(api.find_customer("ada@example.com"))

    assert (error.code, error.retryable) == (ErrorCode.SERVICE_BAD_RESPONSE, False)


async def test_an_unreachable_chargebee_is_service_unavailable() -> None:
    backend = ChargebeeBillingApi(base_url=f"http://127.0.0.1:{free_port()}/api/v2", api_key=API_KEY)
    try:
        error = await _error(backend.find_customer("ada@example.com"))
    finally:
        await backend.aclose()

    assert (error.code, error.retryable) == (ErrorCode.SERVICE_UNAVAILABLE, True)


async def test_a_timeout_is_service_timeout(chargebee_fake: tuple[FakeChargebee, str], fake: FakeChargebee) -> None:
    fake.delay_s = 1.0
    backend = ChargebeeBillingApi(base_url=chargebee_fake[1], api_key=API_KEY, timeout_s=0.25)
    try:
        error = await _error(backend.subscriptions("16BjqgTRPp2tT3ZU"))
    finally:
        await backend.aclose()

    assert (error.code, error.retryable) == (ErrorCode.SERVICE_TIMEOUT, True)
    assert "0.25s" in error.message


def test_the_chargebee_backend_answers_tool_calls_end_to_end(
    chargebee_fake: tuple[FakeChargebee, str], fake: FakeChargebee
) -> None:
    settings = Settings(_env_file=None, backend="chargebee", base_url=chargebee_fake[1], api_key=SecretStr(API_KEY))
    call = {
        "tool": "list_invoices",
        "arguments": {"email": "ada@example.com"},
        "context": {"caller": "ada@example.com"},
    }
    with serve(create_app(settings)) as url:
        body = httpx.post(f"{url}/mcp/call", json=call).json()

    assert body["ok"] is True
    assert [i["id"] for i in body["result"]["invoices"]] == ["INV-1003", "INV-1002", "INV-1001", "INV-1000"]
    assert (body["result"]["unpaid_count"], body["result"]["total_due"], body["result"]["currency"]) == (
        1,
        "59.00",
        "GBP",
    )
