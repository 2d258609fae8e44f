"""A loopback fake of the Chargebee API v2: Ada's customer record, card, subscriptions and invoices.

It answers like the documented API (basic auth with the key, list envelopes, `next_offset`
paging) and logs what it was sent; `scripted` replaces the answers of one path for a test, and
`delay_s` holds every answer back that long.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

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
    delay_s: float = 0.0

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.middleware("http")
        async def slow(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            await asyncio.sleep(self.delay_s)
            return await call_next(request)

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
