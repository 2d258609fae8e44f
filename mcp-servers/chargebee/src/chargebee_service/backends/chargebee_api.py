"""`ChargebeeBillingApi`: the Chargebee API v2 over one `aiohttp.ClientSession`.

Vendor failures become `ServiceError`s here and nowhere else:

```
429                          → RATE_LIMITED         (retryable)
5xx, connection failure      → SERVICE_UNAVAILABLE  (retryable)
timeout                      → SERVICE_TIMEOUT      (retryable)
401, 403                     → SERVICE_UNAVAILABLE  "rejected the service's credentials"
other 4xx, unexpected body   → SERVICE_BAD_RESPONSE
no customer with the email   → NOT_FOUND
```
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import aiohttp
from pydantic import ValidationError

from chargebee_service.backends._chargebee_records import (
    CbCard,
    CbCustomer,
    CbInvoice,
    CbSubscription,
    ListEnvelope,
    to_customer,
    to_invoice,
    to_subscription,
)
from chargebee_service.backends.base import InvoicePage
from chargebee_service.models import BillingCustomer, InvoiceStatus, Subscription
from mcp_common.errors import ErrorCode, ServiceError

USER_AGENT = "chargebee-mcp-service/0.1.0"
_NOT_FOUND = "no billing customer with that email"


class ChargebeeBillingApi:
    """A `BillingBackend` reading one Chargebee site (`base_url` ends in `/api/v2`).

    Its session is opened on the first request (it belongs to the running event loop) and closed by
    `aclose`; a later request opens a new one.
    """

    def __init__(self, *, base_url: str, api_key: str, timeout_s: float = 10.0) -> None:
        self._base_url = base_url.rstrip("/")
        self._headers = {
            "Authorization": "Basic " + base64.b64encode(f"{api_key}:".encode()).decode(),  # key, empty password
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }
        self._timeout_s = timeout_s
        self._session: aiohttp.ClientSession | None = None

    async def find_customer(self, email: str) -> BillingCustomer:
        page = await self._list("/customers", {"email[is]": email, "limit": 1})
        if not page.entries:
            raise ServiceError(ErrorCode.NOT_FOUND, _NOT_FOUND)
        entry = page.entries[0]
        with _vendor_shape("customer"):
            customer = CbCustomer.model_validate(entry.get("customer"))
            card = CbCard.model_validate(entry["card"]) if entry.get("card") else None
        if (customer.email or "").lower() != email.lower():  # never hand out someone else's record
            raise ServiceError(ErrorCode.NOT_FOUND, _NOT_FOUND)
        with _vendor_shape("customer"):
            return to_customer(customer, card)

    async def subscriptions(self, customer_id: str) -> list[Subscription]:
        params = {"customer_id[is]": customer_id, "sort_by[desc]": "created_at"}
        page = await self._list("/subscriptions", params)
        with _vendor_shape("subscription"):
            return [to_subscription(CbSubscription.model_validate(e.get("subscription"))) for e in page.entries]

    async def invoices(self, customer_id: str, *, statuses: Sequence[InvoiceStatus] | None, limit: int) -> InvoicePage:
        params: dict[str, Any] = {"customer_id[is]": customer_id, "limit": limit, "sort_by[desc]": "date"}
        if statuses is not None:
            params["status[in]"] = json.dumps(list(statuses), separators=(",", ":"))
        page = await self._list("/invoices", params)
        with _vendor_shape("invoice"):
            invoices = [to_invoice(CbInvoice.model_validate(e.get("invoice"))) for e in page.entries]
        return InvoicePage(invoices=invoices, has_more=page.next_offset is not None)

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=self._timeout_s)
            self._session = aiohttp.ClientSession(headers=self._headers, timeout=timeout)
        return self._session

    async def _list(self, path: str, params: dict[str, Any]) -> ListEnvelope:
        try:
            async with self._http().get(self._base_url + path, params=params) as response:
                status, content = response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's own timeouts are TimeoutErrors too
            raise ServiceError(
                ErrorCode.SERVICE_TIMEOUT, f"Chargebee did not answer within {self._timeout_s:g}s"
            ) from exc
        except aiohttp.ClientError as exc:
            raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, "could not reach Chargebee") from exc
        _raise_for_status(status)
        try:
            return ListEnvelope.model_validate(json.loads(content))
        except ValueError as exc:  # invalid JSON, or JSON without a list (ValidationError)
            raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, "Chargebee sent an unreadable answer") from exc


def _raise_for_status(status: int) -> None:
    if 200 <= status < 300:
        return
    if status == 429:
        raise ServiceError(ErrorCode.RATE_LIMITED, "Chargebee's rate limit was reached; try again shortly")
    if status in (401, 403):
        raise ServiceError(
            ErrorCode.SERVICE_UNAVAILABLE,
            f"Chargebee rejected the service's credentials (HTTP {status}); check its API key and site",
        )
    if status >= 500:
        raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, f"Chargebee is unavailable (HTTP {status})")
    raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, f"Chargebee refused the request (HTTP {status})")


@contextmanager
def _vendor_shape(resource: str) -> Iterator[None]:
    """Turn records that do not look like the documented resource into `SERVICE_BAD_RESPONSE`."""
    try:
        yield
    except ValidationError as exc:
        raise ServiceError(ErrorCode.SERVICE_BAD_RESPONSE, f"Chargebee sent an unexpected {resource} record") from exc
