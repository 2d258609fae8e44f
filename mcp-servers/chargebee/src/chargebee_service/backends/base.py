"""The one protocol every billing backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from chargebee_service.models import BillingCustomer, Invoice, InvoiceStatus, Subscription


@dataclass(frozen=True)
class InvoicePage:
    """Invoices newest first, and whether more matched than the limit allowed."""

    invoices: list[Invoice]
    has_more: bool


class BillingBackend(Protocol):
    """Read access to billing data. Errors are `ServiceError`s from the shared taxonomy."""

    async def find_customer(self, email: str) -> BillingCustomer:
        """The customer with this (lower-case) email; `NOT_FOUND` when there is none."""
        ...

    async def subscriptions(self, customer_id: str) -> list[Subscription]:
        """The customer's subscriptions, newest first."""
        ...

    async def invoices(self, customer_id: str, *, statuses: Sequence[InvoiceStatus] | None, limit: int) -> InvoicePage:
        """The customer's invoices with one of `statuses` (any when None), newest first."""
        ...

    async def aclose(self) -> None:
        """Release connections; called once when the service stops."""
        ...
