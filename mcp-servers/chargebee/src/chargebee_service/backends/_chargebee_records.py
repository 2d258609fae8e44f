"""Chargebee API v2 resources as sent on the wire, and their mapping onto the service's models.

Amounts arrive in minor units (cents; whole units for zero-decimal currencies such as JPY) and
timestamps as unix seconds. Only the attributes the tools use are declared; the rest are ignored.
Both product catalogs are understood: 1.0 (`plan_id`, `plan_amount`) and 2.0 (`subscription_items`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chargebee_service.backends._amounts import from_minor_units, plan_name
from chargebee_service.models import (
    BillingAddress,
    BillingCustomer,
    BillingPeriodUnit,
    Invoice,
    InvoiceStatus,
    PaymentMethodSummary,
    Subscription,
    SubscriptionStatus,
)


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ListEnvelope(_Record):
    """Every list operation answers `{"list": [{"<resource>": {...}, ...}], "next_offset": ...}`."""

    entries: list[dict[str, Any]] = Field(alias="list")
    next_offset: str | None = None


class CbBillingAddress(_Record):
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None


class CbPaymentMethod(_Record):
    type: str
    status: str | None = None


class CbCard(_Record):
    card_type: str | None = None
    last4: str | None = None
    expiry_month: int | None = None
    expiry_year: int | None = None
    status: str | None = None


class CbCustomer(_Record):
    id: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    preferred_currency_code: str | None = None
    created_at: datetime
    auto_collection: Literal["on", "off"] = "on"
    billing_address: CbBillingAddress | None = None
    payment_method: CbPaymentMethod | None = None


class CbSubscriptionItem(_Record):
    item_price_id: str
    item_type: str
    quantity: int = 1
    unit_price: int | None = None
    amount: int | None = None


class CbSubscription(_Record):
    id: str
    status: SubscriptionStatus
    currency_code: str
    plan_id: str | None = None
    plan_amount: int | None = None
    subscription_items: list[CbSubscriptionItem] = Field(default_factory=list)
    billing_period: int | None = None
    billing_period_unit: BillingPeriodUnit | None = None
    started_at: datetime | None = None
    start_date: datetime | None = None
    current_term_start: datetime | None = None
    current_term_end: datetime | None = None
    next_billing_at: datetime | None = None
    trial_start: datetime | None = None
    trial_end: datetime | None = None
    cancelled_at: datetime | None = None


class CbInvoice(_Record):
    id: str
    subscription_id: str | None = None
    status: InvoiceStatus
    date: datetime
    due_date: datetime | None = None
    paid_at: datetime | None = None
    total: int = 0
    amount_due: int = 0
    amount_paid: int = 0
    currency_code: str


def to_customer(customer: CbCustomer, card: CbCard | None) -> BillingCustomer:
    """The service's customer record; a card contributes only its brand, last four digits and expiry."""
    names = [n for n in (customer.first_name, customer.last_name) if n]
    address = customer.billing_address
    return BillingCustomer(
        id=customer.id,
        name=" ".join(names) or None,
        email=customer.email or "",
        company=customer.company,
        billing_address=BillingAddress.model_validate(address.model_dump()) if address else None,
        currency=customer.preferred_currency_code,
        created_at=customer.created_at,
        auto_collection=customer.auto_collection,
        payment_method=_payment_method(customer.payment_method, card),
    )


def _payment_method(method: CbPaymentMethod | None, card: CbCard | None) -> PaymentMethodSummary | None:
    if method is None and card is None:
        return None
    kind = method.type if method is not None else "card"
    shown = card if kind == "card" else None
    return PaymentMethodSummary(
        type=kind,
        status=method.status if method is not None else card.status if card is not None else None,
        card_brand=shown.card_type if shown else None,
        card_last4=shown.last4 if shown else None,
        card_expiry_month=shown.expiry_month if shown else None,
        card_expiry_year=shown.expiry_year if shown else None,
    )


def to_subscription(sub: CbSubscription) -> Subscription:
    """The service's subscription; for catalog 2.0 the plan is the first item of type `plan`."""
    plan = next((item for item in sub.subscription_items if item.item_type == "plan"), None)
    plan_id = plan.item_price_id if plan else sub.plan_id or "unknown"
    return Subscription(
        id=sub.id,
        plan_id=plan_id,
        plan_name=plan_name(plan_id),
        status=sub.status,
        amount=from_minor_units(_plan_amount(sub, plan), sub.currency_code),
        currency=sub.currency_code,
        billing_period=sub.billing_period,
        billing_period_unit=sub.billing_period_unit,
        started_at=sub.started_at or sub.start_date,
        current_term_start=sub.current_term_start,
        current_term_end=sub.current_term_end,
        next_billing_at=sub.next_billing_at,
        trial_start=sub.trial_start,
        trial_end=sub.trial_end,
        cancelled_at=sub.cancelled_at,
    )


def _plan_amount(sub: CbSubscription, plan: CbSubscriptionItem | None) -> int:
    if plan is None:
        return sub.plan_amount or 0
    if plan.amount is not None:
        return plan.amount
    return (plan.unit_price or 0) * plan.quantity


def to_invoice(invoice: CbInvoice) -> Invoice:
    """The service's invoice, amounts in major units."""
    currency = invoice.currency_code
    return Invoice(
        id=invoice.id,
        subscription_id=invoice.subscription_id,
        status=invoice.status,
        date=invoice.date,
        due_date=invoice.due_date,
        paid_at=invoice.paid_at,
        total=from_minor_units(invoice.total, currency),
        amount_due=from_minor_units(invoice.amount_due, currency),
        amount_paid=from_minor_units(invoice.amount_paid, currency),
        currency=currency,
    )
