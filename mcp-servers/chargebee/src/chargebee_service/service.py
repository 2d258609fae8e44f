"""The billing questions the tools answer, over any `BillingBackend`; framework-free.

Every answer starts from the customer found by email, so a caller only ever reaches the
subscriptions and invoices of the customer their email names.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from chargebee_service.backends.base import BillingBackend
from chargebee_service.models import (
    UNPAID_STATUSES,
    BillingCustomer,
    Invoice,
    InvoiceFilter,
    InvoiceList,
    InvoiceStatus,
    Subscription,
    SubscriptionList,
)

_FILTERS: dict[InvoiceFilter, tuple[InvoiceStatus, ...]] = {
    "paid": ("paid",),
    "unpaid": UNPAID_STATUSES,
    "voided": ("voided",),
    "pending": ("pending",),
}
_MAX_UNPAID = 100


class BillingService:
    """Customer, subscription and invoice look-ups by email."""

    def __init__(self, backend: BillingBackend) -> None:
        self._backend = backend

    async def customer(self, email: str) -> BillingCustomer:
        """The billing customer with this email; `NOT_FOUND` when there is none."""
        return await self._backend.find_customer(email)

    async def subscriptions(self, email: str) -> SubscriptionList:
        """Every subscription of the customer, newest first, and the one that applies now."""
        customer = await self._backend.find_customer(email)
        subscriptions = await self._backend.subscriptions(customer.id)
        return SubscriptionList(
            customer_id=customer.id, current=current_subscription(subscriptions), subscriptions=subscriptions
        )

    async def invoices(self, email: str, *, status: InvoiceFilter | None, limit: int) -> InvoiceList:
        """The newest `limit` invoices matching `status`, with what is owed across all invoices."""
        customer = await self._backend.find_customer(email)
        statuses = _FILTERS[status] if status else None
        page = await self._backend.invoices(customer.id, statuses=statuses, limit=limit)
        if status == "unpaid" and not page.has_more:
            unpaid = page.invoices
        else:
            unpaid = (await self._backend.invoices(customer.id, statuses=UNPAID_STATUSES, limit=_MAX_UNPAID)).invoices
        total_due, currency = _total_due(unpaid, fallback_currency=customer.currency)
        return InvoiceList(
            customer_id=customer.id,
            status_filter=status,
            invoices=page.invoices,
            has_more=page.has_more,
            unpaid_count=len(unpaid),
            total_due=total_due,
            currency=currency,
        )


def current_subscription(subscriptions: Sequence[Subscription]) -> Subscription | None:
    """The newest subscription that is not over, else the newest one (input is newest first)."""
    live = (s for s in subscriptions if s.status not in ("cancelled", "transferred"))
    return next(live, subscriptions[0] if subscriptions else None)


def _total_due(unpaid: Sequence[Invoice], *, fallback_currency: str | None) -> tuple[Decimal | None, str | None]:
    currencies = {invoice.currency for invoice in unpaid}
    if len(currencies) > 1:
        return None, None
    currency = currencies.pop() if currencies else fallback_currency
    return sum((invoice.amount_due for invoice in unpaid), Decimal(0)), currency
