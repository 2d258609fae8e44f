"""`ChargebeeBillingApi` against a loopback fake of the Chargebee API v2 on a real port."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import SecretStr

from chargebee_service.app import create_app
from chargebee_service.backends.chargebee_api import ChargebeeBillingApi
from chargebee_service.settings import Settings
from mcp_common.errors import ErrorCode, ServiceError
from mcp_common.testing import free_port, serve

API_KEY = "test_Xy7SecretChargebeeKey"
T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
DAY = 86_400

CUSTOMER = {
    "id": "16BjqgTRPp2tT3ZU",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "company": "Analytical Engines Ltd",
    "auto_collection": "on",
    "net_term_days": 0,
    "created_at": T0 - 400 * DAY,
    "preferred_currency_code": "GBP",
    "billing_address": {
        "first_name": "Ada",
        "line1": "12 St James's Square",
        "city": "London",
        "zip": "SW1Y 4JH",
        "country": "GB",
        "object": "billing_address",
    },
    "payment_method": {
        "object": "payment_method",
        "type": "card",
        "reference_id": "tok_1",
        "gateway": "stripe",
        "status": "valid",
    },
    "object": "customer",
}
CARD = {
    "status": "valid",
    "gateway": "stripe",
    "iin": "424242",
    "last4": "4242",
    "card_type": "visa",
    "funding_type": "credit",
    "expiry_month": 8,
    "expiry_year": 2028,
    "masked_number": "************4242",
    "customer_id": "16BjqgTRPp2tT3ZU",
    "object": "card",
}
SUBSCRIPTIONS = [
    {  # product catalog 2.0
        "id": "AzZTZgTRPp3Sn1x8",
        "customer_id": "16BjqgTRPp2tT3ZU",
        "status": "active",
        "currency_code": "GBP",
        "billing_period": 1,
        "billing_period_unit": "month",
        "subscription_items": [
            {
                "item_price_id": "pro-monthly",
                "item_type": "plan",
                "quantity": 1,
                "unit_price": 4900,
                "amount": 4900,
                "object": "subscription_item",
            },
            {
                "item_price_id": "extra-seats-monthly",
                "item_type": "addon",
                "quantity": 2,
                "unit_price": 500,
                "amount": 1000,
                "object": "subscription_item",
            },
        ],
        "started_at": T0 - 300 * DAY,
        "current_term_start": T0,
        "current_term_end": T0 + 31 * DAY,
        "next_billing_at": T0 + 31 * DAY,
        "created_at": T0 - 300 * DAY,
        "object": "subscription",
    },
    {  # product catalog 1.0
        "id": "169lXlTRPp1cL2aD",
        "customer_id": "16BjqgTRPp2tT3ZU",
        "status": "cancelled",
        "currency_code": "GBP",
        "plan_id": "starter-monthly",
        "plan_quantity": 1,
        "plan_unit_price": 1900,
        "plan_amount": 1900,
        "billing_period": 1,
        "billing_period_unit": "month",
        "started_at": T0 - 400 * DAY,
        "cancelled_at": T0 - 300 * DAY,
        "created_at": T0 - 400 * DAY,
        "object": "subscription",
    },
]


def _invoice(number: int, status: str, date: int, total: int, due: int, paid: int) -> dict[str, Any]:
    return {
        "id": f"INV-{number}",
        "customer_id": CUSTOMER["id"],
        "subscription_id": "AzZTZgTRPp3Sn1x8",
        "recurring": True,
        "status": status,
        "date": date,
        "due_date": date + 14 * DAY,
        "total": total,
        "amount_due": due,
        "amount_paid": paid,
        "currency_code": "GBP",
        "object": "invoice",
    }


INVOICES = [
    _invoice(1003, "payment_due", T0, 5900, 5900, 0),
    _invoice(1002, "paid", T0 - 31 * DAY, 5900, 0, 5900) | {"paid_at": T0 - 31 * DAY + 60},
    _invoice(1001, "voided", T0 - 62 * DAY, 5900, 0, 0),
    _invoice(1000, "paid", T0 - 93 * DAY, 4900, 0, 4900) | {"paid_at": T0 - 93 * DAY + 60},
]


@dataclass
class FakeChargebee:
    """Answers like the documented API; `scripted` replaces the next answers of one path."""

    requests: list[Request] = field(default_factory=list)
    scripted: dict[str, Response] = field(default_factory=dict)
    customers: list[dict[str, Any]] = field(default_factory=lambda: [{"customer": CUSTOMER, "card": CARD}])

    def app(self) -> FastAPI:
        app = FastAPI()
        app.get("/api/v2/customers")(self._customers)
        app.get("/api/v2/subscriptions")(self._subscriptions)
        app.get("/api/v2/invoices")(self._invoices)
        return app

    def _gate(self, request: Request) -> Response | None:
        self.requests.append(request)
        if request.url.path in self.scripted:
            return self.scripted[request.url.path]
        expected = "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode()
        if request.headers.get("authorization") != expected:
            body = {
                "message": "Sorry, authentication failed. Invalid api key",
                "api_error_code": "api_authentication_failed",
            }
            return JSONResponse(body, status_code=401)
        return None

    async def _customers(self, request: Request) -> Response:
        q = request.query_params
        if denied := self._gate(request):
            return denied
        assert q["limit"] == "1"
        found = [e for e in self.customers if e["customer"]["email"] == q["email[is]"]]
        return JSONResponse({"list": found})

    async def _subscriptions(self, request: Request) -> Response:
        q = request.query_params
        if denied := self._gate(request):
            return denied
        assert q["sort_by[desc]"] == "created_at"
        return JSONResponse(
            {"list": [{"subscription": s} for s in SUBSCRIPTIONS if s["customer_id"] == q["customer_id[is]"]]}
        )

    async def _invoices(self, request: Request) -> Response:
        q = request.query_params
        if denied := self._gate(request):
            return denied
        assert q["sort_by[desc]"] == "date"
        wanted = json.loads(q["status[in]"]) if "status[in]" in q else None
        found = [
            i
            for i in INVOICES
            if i["customer_id"] == q["customer_id[is]"] and (wanted is None or i["status"] in wanted)
        ]
        limit = int(q["limit"])
        more = {"next_offset": '["1767225600000","42"]'} if len(found) > limit else {}
        return JSONResponse({"list": [{"invoice": i} for i in found[:limit]]} | more)


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


async def test_a_timeout_is_service_timeout() -> None:
    def never_answers(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    backend = ChargebeeBillingApi(
        base_url="https://acme.chargebee.com/api/v2",
        api_key=API_KEY,
        timeout_s=2.5,
        transport=httpx.MockTransport(never_answers),
    )
    try:
        error = await _error(backend.subscriptions("16BjqgTRPp2tT3ZU"))
    finally:
        await backend.aclose()

    assert (error.code, error.retryable) == (ErrorCode.SERVICE_TIMEOUT, True)
    assert "2.5s" in error.message


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
